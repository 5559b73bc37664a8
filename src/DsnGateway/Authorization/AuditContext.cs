using DsnGateway.Audit;
using DsnGateway.Authentication;

namespace DsnGateway.Authorization;

/// <summary>What the access middleware learns about a request as it goes, turned into an <see cref="AuditRecord"/>.</summary>
internal sealed class AuditContext(HttpContext http, FhirRequest request, TimeProvider clock)
{
    // Captured before the policy confines the query: the audit records the search as the caller asked it.
    private string? _query = http.Request.QueryString.HasValue ? http.Request.QueryString.Value : null;

    /// <summary>A POST _search carries its parameters in a form: the audited query is the URL's and the form's together.</summary>
    public void AddFormQuery(IEnumerable<KeyValuePair<string, string>> form)
    {
        var formQuery = QueryString.Create(form.Select(p => KeyValuePair.Create(p.Key, (string?)p.Value)));
        if (!formQuery.HasValue) return;
        _query = _query is null ? formQuery.Value : _query + "&" + formQuery.Value![1..];
    }

    public CallerIdentity? Caller { get; set; }

    public string? BreakGlassReason { get; set; }

    /// <summary>Set for a write once its intent is durable (<see cref="IAuditTrail.RecordIntentAsync"/>).</summary>
    public string? IntentId { get; set; }

    public SortedSet<string> Patients { get; } = new(StringComparer.Ordinal);

    // The id of the resource a create (or a conditional update) wrote, which only the store's answer names.
    private string? _writtenId;

    /// <summary>
    /// Names the resource a successful request wrote or addressed, from the store's <c>Location</c>
    /// (<c>…/Type/id/_history/n</c>) when the request did not name it; a Patient is a patient touched. Needed when
    /// the answer carries no body (<c>Prefer: return=minimal</c>), where nothing else tells which record it was.
    /// </summary>
    public void NoteWritten(string? location)
    {
        if (request.ResourceType is not { Length: > 0 } type) return;
        var id = request.Id ?? IdIn(location, type);
        if (id is null) return;
        if (request.Id is null) _writtenId = id;
        if (type == "Patient") Patients.Add("Patient/" + id);
    }

    private static string? IdIn(string? location, string type)
    {
        if (string.IsNullOrEmpty(location)) return null;
        var path = location.Split('?', '#')[0];
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var history = Array.LastIndexOf(segments, "_history");
        var end = history >= 0 ? history : segments.Length;
        return end >= 2 && segments[end - 2] == type && segments[end - 1].Length > 0 ? segments[end - 1] : null;
    }

    public AuditRecord ToRecord(int status, string? description) => new()
    {
        Recorded = clock.GetUtcNow(),
        RequestId = http.TraceIdentifier,
        Interaction = request.Interaction,
        ResourceType = request.ResourceType,
        ResourceId = request.Id ?? _writtenId,
        HttpMethod = http.Request.Method,
        Path = http.Request.Path.Value ?? "/",
        Query = _query,
        HttpStatus = status,
        OutcomeDescription = description,
        Agent = new AuditAgent
        {
            Subject = Caller?.Subject,
            FhirUser = Caller?.FhirUser,
            ClientId = Caller?.ClientId,
            Establishment = Caller?.Establishment,
            Role = Caller?.Role,
            Scopes = Caller?.ScopeText,
            NetworkAddress = http.Connection.RemoteIpAddress?.ToString(),
        },
        Patients = [.. Patients],
        BreakGlassReason = BreakGlassReason,
        IntentId = IntentId,
    };
}
