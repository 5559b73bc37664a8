using DsnGateway.Fhir.Primitives;
using DsnGateway.RecordStore.Indexing;
using Hl7.Fhir.Model;
using Hl7.Fhir.Utility;
using FhirReference = Hl7.Fhir.Model.ResourceReference;
using StoreReference = DsnGateway.RecordStore.Indexing.ResourceReference;

namespace DsnGateway.RecordStore.Search;

/// <summary>
/// The search parameters this store supports, per resource type. The registry names the codes it offers and how
/// their values are extracted; type, expression and definition URL come from the official R4 definitions that
/// Firely's SDK ships (<see cref="OfficialSearchParameters"/>), except for the project's own parameters
/// (linked-identifier, linked-security), which carry their own expression and no definition URL.
/// </summary>
public sealed class SearchParameterRegistry
{
    private readonly Dictionary<string, Dictionary<string, SearchParameterDefinition>> _byType = new(StringComparer.Ordinal);

    public static SearchParameterRegistry Default { get; } = CreateDefault();

    /// <summary>Our Patient parameters (not R4's): identifiers, and security labels, of the Patient or of a Patient it links to.</summary>
    public const string LinkedIdentifier = "linked-identifier";
    public const string LinkedSecurity = "linked-security";

    /// <summary>The resource types this store keeps.</summary>
    public IEnumerable<string> ResourceTypes => _byType.Keys;

    public bool Supports(string resourceType) => _byType.ContainsKey(resourceType);

    public IReadOnlyCollection<SearchParameterDefinition> For(string resourceType) =>
        _byType.TryGetValue(resourceType, out var map) ? map.Values : [];

    public SearchParameterDefinition? Find(string resourceType, string name) =>
        _byType.TryGetValue(resourceType, out var map) && map.TryGetValue(name, out var def) ? def : null;

    /// <summary>Every index entry of a resource, for all its type's parameters.</summary>
    public IEnumerable<IndexEntry> Index(Resource resource) =>
        For(resource.TypeName).Where(p => !p.IsRowColumn).SelectMany(p => p.Extract(resource));

    private void Add(SearchParameterDefinition definition)
    {
        if (!_byType.TryGetValue(definition.ResourceType, out var map))
        {
            _byType[definition.ResourceType] = map = new Dictionary<string, SearchParameterDefinition>(StringComparer.Ordinal);
        }
        map.Add(definition.Name, definition);
    }

    /// <summary>
    /// Adds the official R4 parameter <paramref name="code"/> of <paramref name="type"/>. The targets a reference may
    /// point at are the store's choice among the official ones (it keeps no Group or RelatedPerson).
    /// </summary>
    private SearchParameterDefinition Official(string type, string code, Func<Resource, IEnumerable<IndexEntry>> extract, IReadOnlyList<string>? targets = null)
    {
        var official = OfficialSearchParameters.Find(type, code);
        var outside = (targets ?? []).Where(t => official.Targets.Count > 0 && !official.Targets.Contains(t)).ToList();
        if (outside.Count > 0)
            throw new InvalidOperationException($"{type}.{code} may not point at {string.Join(", ", outside)} (R4: {string.Join(", ", official.Targets)}).");
        var definition = new SearchParameterDefinition(type, code, official.Type, official.Expression, extract, targets, official.Url);
        Add(definition);
        return definition;
    }

    private static SearchParameterRegistry CreateDefault()
    {
        var r = new SearchParameterRegistry();
        foreach (var type in new[] { nameof(Patient), nameof(MedicationRequest), nameof(Procedure), nameof(Provenance), nameof(Practitioner), nameof(Organization), nameof(Medication) })
        {
            // Answered from the resource row itself, so nothing is extracted for them.
            r.Official(type, "_id", _ => []);
            r.Official(type, "_lastUpdated", _ => []);
            r.Official(type, "_security",
                x => Codings("_security", x.Meta?.Security));
            r.Official(type, "_tag",
                x => Codings("_tag", x.Meta?.Tag));
        }

        var identifier = r.Official(nameof(Patient), "identifier",
            x => Identifiers("identifier", ((Patient)x).Identifier));
        r.Official(nameof(Patient), "active",
            x => Boolean("active", ((Patient)x).Active));
        r.Official(nameof(Patient), "name",
            x => Names("name", ((Patient)x).Name, n => [n.Text, n.Family, .. n.Given, .. n.Prefix, .. n.Suffix]));
        r.Official(nameof(Patient), "family",
            x => Names("family", ((Patient)x).Name, n => [n.Family]));
        r.Official(nameof(Patient), "given",
            x => Names("given", ((Patient)x).Name, n => n.Given));
        r.Official(nameof(Patient), "birthdate",
            x => Dates("birthdate", ((Patient)x).BirthDate));
        r.Official(nameof(Patient), "gender",
            x => Code("gender", "http://hl7.org/fhir/administrative-gender", Literal(((Patient)x).Gender)));
        var link = r.Official(nameof(Patient), "link",
            x => References("link", ((Patient)x).Link.Select(l => l.Other)), [nameof(Patient)]);
        // The project's own, not R4's (no definition URL, our expression): a Patient together with the Patients its
        // links name (a merge links both ways: replaces, replaced-by), so the gateway's care relationship and
        // restriction follow a merge (docs/arch/0011).
        r.Add(new(nameof(Patient), LinkedIdentifier, SearchParamType.Token, "Patient.identifier | Patient.link.other.resolve().identifier", _ => [])
        {
            UnionOf = identifier,
            Through = link,
        });
        r.Add(new(nameof(Patient), LinkedSecurity, SearchParamType.Token, "Patient.meta.security | Patient.link.other.resolve().meta.security", _ => [])
        {
            UnionOf = r.Find(nameof(Patient), "_security"),
            Through = link,
        });

        r.Official(nameof(MedicationRequest), "identifier",
            x => Identifiers("identifier", ((MedicationRequest)x).Identifier));
        r.Official(nameof(MedicationRequest), "patient",
            x => References("patient", [((MedicationRequest)x).Subject], nameof(Patient)), [nameof(Patient)]);
        r.Official(nameof(MedicationRequest), "subject",
            x => References("subject", [((MedicationRequest)x).Subject]), [nameof(Patient), "Group"]);
        r.Official(nameof(MedicationRequest), "status",
            x => Code("status", "http://hl7.org/fhir/CodeSystem/medicationrequest-status", Literal(((MedicationRequest)x).Status)));
        r.Official(nameof(MedicationRequest), "intent",
            x => Code("intent", "http://hl7.org/fhir/CodeSystem/medicationrequest-intent", Literal(((MedicationRequest)x).Intent)));
        r.Official(nameof(MedicationRequest), "authoredon",
            x => Dates("authoredon", ((MedicationRequest)x).AuthoredOn));
        r.Official(nameof(MedicationRequest), "code",
            x => Concepts("code", [((MedicationRequest)x).Medication as CodeableConcept]));

        r.Official(nameof(Procedure), "identifier",
            x => Identifiers("identifier", ((Procedure)x).Identifier));
        r.Official(nameof(Procedure), "patient",
            x => References("patient", [((Procedure)x).Subject], nameof(Patient)), [nameof(Patient)]);
        r.Official(nameof(Procedure), "subject",
            x => References("subject", [((Procedure)x).Subject]), [nameof(Patient), "Group"]);
        r.Official(nameof(Procedure), "date",
            x => ProcedureDates((Procedure)x));
        r.Official(nameof(Procedure), "code",
            x => Concepts("code", [((Procedure)x).Code]));
        r.Official(nameof(Procedure), "status",
            x => Code("status", "http://hl7.org/fhir/event-status", Literal(((Procedure)x).Status)));

        r.Official(nameof(Provenance), "target",
            x => References("target", ((Provenance)x).Target), [nameof(Patient), nameof(MedicationRequest), nameof(Procedure)]);

        r.Official(nameof(Practitioner), "identifier",
            x => Identifiers("identifier", ((Practitioner)x).Identifier));
        r.Official(nameof(Practitioner), "name",
            x => Names("name", ((Practitioner)x).Name, n => [n.Text, n.Family, .. n.Given, .. n.Prefix, .. n.Suffix]));
        r.Official(nameof(Organization), "identifier",
            x => Identifiers("identifier", ((Organization)x).Identifier));
        r.Official(nameof(Medication), "code",
            x => Concepts("code", [((Medication)x).Code]));
        return r;
    }

    private static IEnumerable<IndexEntry> Identifiers(string param, IEnumerable<Identifier>? identifiers) =>
        (identifiers ?? []).Where(i => !string.IsNullOrEmpty(i.Value)).Select(i => new TokenEntry(param, i.System ?? "", i.Value!));

    private static IEnumerable<IndexEntry> Codings(string param, IEnumerable<Coding?>? codings) =>
        (codings ?? []).Where(c => c is not null && !string.IsNullOrEmpty(c.Code)).Select(c => new TokenEntry(param, c!.System ?? "", c.Code!));

    private static IEnumerable<IndexEntry> Concepts(string param, IEnumerable<CodeableConcept?> concepts) =>
        concepts.Where(c => c is not null).SelectMany(c => Codings(param, c!.Coding));

    private static IEnumerable<IndexEntry> Code(string param, string system, string? code) =>
        string.IsNullOrEmpty(code) ? [] : [new TokenEntry(param, system, code)];

    /// <summary>A required-binding code as written in FHIR JSON (Firely keeps it as an enum).</summary>
    private static string? Literal<T>(T? value) where T : struct, Enum => value is { } v ? EnumUtility.GetLiteral(v) : null;

    /// <summary>A boolean searched as a token: code true or false, no system (R4's token rules for boolean).</summary>
    private static IEnumerable<IndexEntry> Boolean(string param, bool? value) =>
        value is { } b ? [new TokenEntry(param, "", b ? "true" : "false")] : [];

    private static IEnumerable<IndexEntry> Names(string param, IEnumerable<HumanName>? names, Func<HumanName, IEnumerable<string?>> parts) =>
        (names ?? []).SelectMany(parts)
            .Where(s => !string.IsNullOrWhiteSpace(s))
            .Distinct(StringComparer.Ordinal)
            .Select(s => new StringEntry(param, TextFolding.Fold(s!), s!));

    private static IEnumerable<IndexEntry> Dates(string param, string? value) =>
        PartialDateTime.TryParse(value, out var d) ? [Range(param, d.Start, d.End)] : [];

    private static IEnumerable<IndexEntry> ProcedureDates(Procedure procedure)
    {
        if (procedure.Performed is FhirDateTime performed) return Dates("date", performed.Value);
        if (procedure.Performed is Period period)
        {
            var hasStart = PartialDateTime.TryParse(period.Start, out var start);
            var hasEnd = PartialDateTime.TryParse(period.End, out var end);
            if (!hasStart && !hasEnd) return [];
            // An open end of a period reaches as far as time goes in that direction.
            return [Range("date", hasStart ? start.Start : DateTimeOffset.MinValue, hasEnd ? end.End : DateTimeOffset.MaxValue)];
        }
        return [];
    }

    private static DateEntry Range(string param, DateTimeOffset start, DateTimeOffset endExclusive) =>
        new(param, DateBounds.ToLow(start), DateBounds.ToHigh(endExclusive));

    private static IEnumerable<IndexEntry> References(string param, IEnumerable<FhirReference?> references, string? onlyType = null)
    {
        foreach (var reference in references)
        {
            if (!StoreReference.TryParse(reference?.Reference, out var type, out var id)) continue;
            if (onlyType is not null && type != onlyType) continue;
            yield return new ReferenceEntry(param, type, id);
        }
    }
}
