using DsnGateway.Authentication;
using DsnGateway.Mapping.Establishments;
using DsnGateway.Mapping.Identity;
using DsnGateway.Mapping.Orders;
using DsnGateway.Mapping.Procedures;
using DsnGateway.RecordStore.Interactions;

namespace DsnGateway.Authorization;

/// <summary>
/// The one condition a conditional write may carry through the gateway (docs/arch/0020): exactly
/// <c>identifier=&lt;system&gt;|&lt;value&gt;</c>, the system one whose holders all lie within the caller's reach (their
/// establishment's, or every establishment's and the NAM with break-the-glass or as a system sender). Within that reach
/// the store still holds records the caller may not see (a restricted patient, another patient than a patient grant's):
/// the condition is evaluated with the caller's restrictions added, so such a record matches nothing and the answer is
/// the one a condition matching nobody gets. Any other condition is refused before it is evaluated.
/// </summary>
internal sealed class ConditionalCriteria
{
    public const string IfNoneExistHeader = "If-None-Exist";

    private const string Parameter = "identifier";

    /// <summary>The identifier systems an establishment owns, for each type that belongs to a patient (DESIGN's identifier table).</summary>
    private static readonly IReadOnlyDictionary<string, Func<Establishment, string[]>> SystemsOf = new Dictionary<string, Func<Establishment, string[]>>(StringComparer.Ordinal)
    {
        ["Patient"] = e => [e.MrnSystem],
        ["MedicationRequest"] = e => [OrderIdentifiers.PlacerSystem(e), OrderIdentifiers.FillerSystem(e)],
        ["Procedure"] = e => [ProcedureIdentifiers.System(e)],
    };

    private readonly EstablishmentRegistry _establishments;

    public ConditionalCriteria(EstablishmentRegistry establishments) => _establishments = establishments;

    /// <summary>
    /// The condition of a write: the query of <c>PUT Type?criteria</c>, the <c>If-None-Exist</c> of a create, decoded as
    /// the store decodes it; null for a write by id or a plain create.
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, string>>? Of(FhirRequest request) =>
        request.IsConditional ? request.Query
        : request.Interaction == FhirRequest.Create && !string.IsNullOrWhiteSpace(request.IfNoneExist) ? RecordStoreService.ParseQueryString(request.IfNoneExist)
        : null;

    /// <summary>
    /// The <c>If-None-Exist</c> the store receives: the condition as checked, then the caller's restrictions, each part
    /// escaped so the store decodes exactly what was checked.
    /// </summary>
    public static string IfNoneExist(IEnumerable<KeyValuePair<string, string>> parameters) =>
        string.Join('&', parameters.Select(p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(p.Value)}"));

    /// <summary>
    /// The systems a condition on <paramref name="type"/> may name for this caller; null for reference data, which holds
    /// no patient and is seen whole by whoever may write it.
    /// </summary>
    public IReadOnlyList<string>? AllowedSystems(CallerIdentity caller, string type, bool breakGlass)
    {
        if (!SystemsOf.TryGetValue(type, out var systemsOf)) return null;
        if (CareRelationshipPolicy.ConfinedToEstablishment(caller, breakGlass))
            return _establishments.ByCode(caller.Establishment) is { } own ? systemsOf(own) : [];
        var every = _establishments.All.SelectMany(systemsOf);
        return type == "Patient" ? [.. every, QuebecHealthNumber.System] : [.. every];
    }

    /// <summary>Null when <paramref name="condition"/> has the one allowed form, else why it is refused, naming what is allowed.</summary>
    public string? Refusal(CallerIdentity caller, string type, bool breakGlass, IReadOnlyList<KeyValuePair<string, string>> condition)
    {
        var allowed = AllowedSystems(caller, type, breakGlass);
        if (condition is [{ Key: Parameter } only] && TrySplit(only.Value, out var system) && (allowed is null || allowed.Contains(system, StringComparer.Ordinal)))
            return null;
        // The condition itself is not repeated: the answer is the same whatever it names.
        var systems = allowed is null ? "any system"
            : allowed.Count == 0 ? $"none, since the establishment {caller.Establishment} is not registered"
            : string.Join(", ", allowed);
        var wider = CareRelationshipPolicy.ConfinedToEstablishment(caller, breakGlass) && allowed is not null
            ? " With X-Break-Glass, the systems of every establishment" + (type == "Patient" ? " and the NAM" : "") + " may be named."
            : "";
        return $"A conditional write through the gateway names its {type} by exactly one identifier=<system>|<value> (no other parameter, "
            + $"modifier, chain or list of values); the system may be: {systems}. Any other condition is refused before it is evaluated, "
            + $"so that no answer depends on records outside your care relationship (docs/arch/0020).{wider}";
    }

    /// <summary>A token <c>system|value</c>, both valued, with no second bar and no comma (a list of values), escaped ones aside.</summary>
    private static bool TrySplit(string token, out string system)
    {
        system = "";
        var bar = -1;
        for (var i = 0; i < token.Length; i++)
        {
            switch (token[i])
            {
                case '\\':
                    i++;
                    break;
                case ',':
                    return false;
                case '|' when bar >= 0:
                    return false;
                case '|':
                    bar = i;
                    break;
            }
        }
        if (bar <= 0 || bar == token.Length - 1) return false;
        system = token[..bar];
        return true;
    }
}
