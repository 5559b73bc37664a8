using System.Globalization;
using DsnGateway.Fhir.Outcomes;
using DsnGateway.Fhir.Primitives;

namespace DsnGateway.Audit;

/// <summary>
/// An AuditEvent search as privacy officers send it: <c>patient</c>, <c>agent</c> (token subject), <c>date</c>
/// (on recorded, with prefixes), <c>outcome</c>, <c>_tag=urn:dsn:audit|flagged</c>, <c>_count</c>, and the
/// paging cursor. Repeated parameters AND, comma-separated values OR. Anything else is refused (400): a
/// privacy officer must never read a silently widened result as the answer to the question they asked.
/// </summary>
internal sealed record AuditSearchQuery
{
    public const int DefaultCount = 50;
    public const int MaxCount = 1000;

    private static readonly HashSet<string> Outcomes = ["0", "4", "8", "12"];
    private static readonly HashSet<string> Ignorable = ["_format", "_pretty"];

    public IReadOnlyList<IReadOnlyList<string>> Patients { get; init; } = [];
    public IReadOnlyList<IReadOnlyList<string>> Agents { get; init; } = [];
    public IReadOnlyList<IReadOnlyList<AuditDateCriterion>> Dates { get; init; } = [];
    public IReadOnlyList<IReadOnlyList<string>> OutcomeCodes { get; init; } = [];
    public bool FlaggedOnly { get; init; }
    public int Count { get; init; } = DefaultCount;
    public AuditPageCursor? Cursor { get; init; }

    /// <summary>The parameters as received, minus the cursor: what the paging links repeat.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Parameters { get; init; } = [];

    /// <exception cref="FhirOperationException">400 for an unknown parameter or a value that cannot be read.</exception>
    public static AuditSearchQuery Parse(IEnumerable<KeyValuePair<string, string>> parameters)
    {
        var patients = new List<IReadOnlyList<string>>();
        var agents = new List<IReadOnlyList<string>>();
        var dates = new List<IReadOnlyList<AuditDateCriterion>>();
        var outcomes = new List<IReadOnlyList<string>>();
        var flagged = false;
        var count = DefaultCount;
        AuditPageCursor? cursor = null;
        var kept = new List<KeyValuePair<string, string>>();

        foreach (var (name, value) in parameters)
        {
            if (name != "_cursor") kept.Add(KeyValuePair.Create(name, value));
            switch (name)
            {
                case "patient":
                    patients.Add(Values(name, value).Select(PatientReference).ToList());
                    break;
                case "agent":
                    agents.Add(Values(name, value));
                    break;
                case "date":
                    dates.Add(Values(name, value).Select(AuditDateCriterion.Parse).ToList());
                    break;
                case "outcome":
                    var codes = Values(name, value);
                    if (codes.FirstOrDefault(c => !Outcomes.Contains(c)) is { } bad)
                        throw FhirOperationException.BadRequest($"outcome '{bad}' is not an AuditEvent outcome (0, 4, 8 or 12).", "outcome");
                    outcomes.Add(codes);
                    break;
                case "_tag":
                    if (value is not ($"{AuditCodes.FlagSystem}|{AuditCodes.FlagCode}" or $"|{AuditCodes.FlagCode}" or AuditCodes.FlagCode))
                        throw FhirOperationException.BadRequest($"_tag supports only {AuditCodes.FlagSystem}|{AuditCodes.FlagCode}.", "_tag");
                    flagged = true;
                    break;
                case "_count":
                    if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out count))
                        throw FhirOperationException.BadRequest($"_count '{value}' is not a non-negative whole number.", "_count");
                    count = Math.Min(count, MaxCount);
                    break;
                case "_cursor":
                    cursor = AuditPageCursor.TryParse(value, out var parsed)
                        ? parsed
                        : throw FhirOperationException.BadRequest("The paging cursor is not one this server issued.", "_cursor");
                    break;
                default:
                    if (!Ignorable.Contains(name))
                        throw FhirOperationException.BadRequest(
                            $"Unknown search parameter '{name}' for AuditEvent; supported: patient, agent, date, outcome, _tag, _count.", name);
                    break;
            }
        }

        return new AuditSearchQuery
        {
            Patients = patients,
            Agents = agents,
            Dates = dates,
            OutcomeCodes = outcomes,
            FlaggedOnly = flagged,
            Count = count,
            Cursor = cursor,
            Parameters = kept,
        };
    }

    private static List<string> Values(string name, string value)
    {
        var values = value.Split(',', StringSplitOptions.TrimEntries);
        if (values.Any(v => v.Length == 0)) throw FhirOperationException.BadRequest($"{name} needs a value.", name);
        return [.. values];
    }

    /// <summary><c>Patient/x</c>, a bare <c>x</c>, or an absolute URL ending in <c>Patient/x</c>: all mean Patient/x.</summary>
    private static string PatientReference(string value)
    {
        var at = value.LastIndexOf("Patient/", StringComparison.Ordinal);
        var id = at >= 0 ? value[(at + "Patient/".Length)..] : value;
        if (id.Length == 0 || id.Contains('/'))
            throw FhirOperationException.BadRequest($"patient '{value}' is not a Patient reference or id.", "patient");
        return $"Patient/{id}";
    }
}
