using DsnGateway.Audit;
using DsnGateway.Authentication;

namespace DsnGateway.Authorization;

/// <summary>What the access middleware learns about a request as it goes, turned into an <see cref="AuditRecord"/>.</summary>
internal sealed class AuditContext(HttpContext http, FhirRequest request, TimeProvider clock)
{
    // Captured before the policy confines the query: the audit records the search as the caller asked it.
    private readonly string? _query = http.Request.QueryString.HasValue ? http.Request.QueryString.Value : null;

    public CallerIdentity? Caller { get; set; }

    public string? BreakGlassReason { get; set; }

    public SortedSet<string> Patients { get; } = new(StringComparer.Ordinal);

    public AuditRecord ToRecord(int status, string? description) => new()
    {
        Recorded = clock.GetUtcNow(),
        RequestId = http.TraceIdentifier,
        Interaction = request.Interaction,
        ResourceType = request.ResourceType,
        ResourceId = request.Id,
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
    };
}
