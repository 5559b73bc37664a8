using DsnGateway.Fhir.Model;
using DsnGateway.Fhir.Primitives;
using DsnGateway.RecordStore.Indexing;

namespace DsnGateway.RecordStore.Search;

/// <summary>
/// The search parameters this store supports, per resource type. Names, types and expressions follow the
/// official R4 SearchParameter definitions (a test compares them with ../shared/fhir-r4/search-parameters).
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
        For(resource.ResourceTypeName).Where(p => !p.IsRowColumn).SelectMany(p => p.Extract(resource));

    private void Add(SearchParameterDefinition definition)
    {
        if (!_byType.TryGetValue(definition.ResourceType, out var map))
        {
            _byType[definition.ResourceType] = map = new Dictionary<string, SearchParameterDefinition>(StringComparer.Ordinal);
        }
        map.Add(definition.Name, definition);
    }

    private static SearchParameterRegistry CreateDefault()
    {
        var r = new SearchParameterRegistry();
        foreach (var type in new[] { Patient.TypeName, MedicationRequest.TypeName, Procedure.TypeName, Provenance.TypeName, Practitioner.TypeName, Organization.TypeName, Medication.TypeName })
        {
            r.Add(new(type, "_id", SearchParamType.Token, "Resource.id", _ => []));
            r.Add(new(type, "_lastUpdated", SearchParamType.Date, "Resource.meta.lastUpdated", _ => []));
            r.Add(new(type, "_security", SearchParamType.Token, "Resource.meta.security",
                x => Codings("_security", x.Meta?.Security)));
            r.Add(new(type, "_tag", SearchParamType.Token, "Resource.meta.tag",
                x => Codings("_tag", x.Meta?.Tag)));
        }

        var identifier = new SearchParameterDefinition(Patient.TypeName, "identifier", SearchParamType.Token, "Patient.identifier",
            x => Identifiers("identifier", ((Patient)x).Identifier));
        r.Add(identifier);
        r.Add(new(Patient.TypeName, "name", SearchParamType.String, "Patient.name",
            x => Names("name", ((Patient)x).Name, n => [n.Text, n.Family, .. n.Given ?? [], .. n.Prefix ?? [], .. n.Suffix ?? []])));
        r.Add(new(Patient.TypeName, "family", SearchParamType.String, "Patient.name.family",
            x => Names("family", ((Patient)x).Name, n => [n.Family])));
        r.Add(new(Patient.TypeName, "given", SearchParamType.String, "Patient.name.given",
            x => Names("given", ((Patient)x).Name, n => n.Given ?? [])));
        r.Add(new(Patient.TypeName, "birthdate", SearchParamType.Date, "Patient.birthDate",
            x => Dates("birthdate", ((Patient)x).BirthDate)));
        r.Add(new(Patient.TypeName, "gender", SearchParamType.Token, "Patient.gender",
            x => Code("gender", "http://hl7.org/fhir/administrative-gender", ((Patient)x).Gender)));
        var link = new SearchParameterDefinition(Patient.TypeName, "link", SearchParamType.Reference, "Patient.link.other",
            x => References("link", ((Patient)x).Link?.Select(l => l.Other)), [Patient.TypeName]);
        r.Add(link);
        // Ours, not R4's: a Patient together with the Patients its links name (a merge links both ways: replaces,
        // replaced-by), so the gateway's care relationship and restriction follow a merge (docs/arch/0011).
        r.Add(new(Patient.TypeName, LinkedIdentifier, SearchParamType.Token, "Patient.identifier | Patient.link.other.resolve().identifier", _ => [])
        {
            UnionOf = identifier,
            Through = link,
        });
        r.Add(new(Patient.TypeName, LinkedSecurity, SearchParamType.Token, "Patient.meta.security | Patient.link.other.resolve().meta.security", _ => [])
        {
            UnionOf = r.Find(Patient.TypeName, "_security"),
            Through = link,
        });

        r.Add(new(MedicationRequest.TypeName, "identifier", SearchParamType.Token, "MedicationRequest.identifier",
            x => Identifiers("identifier", ((MedicationRequest)x).Identifier)));
        r.Add(new(MedicationRequest.TypeName, "patient", SearchParamType.Reference, "MedicationRequest.subject.where(resolve() is Patient)",
            x => References("patient", [((MedicationRequest)x).Subject], Patient.TypeName), [Patient.TypeName]));
        r.Add(new(MedicationRequest.TypeName, "subject", SearchParamType.Reference, "MedicationRequest.subject",
            x => References("subject", [((MedicationRequest)x).Subject]), [Patient.TypeName, "Group"]));
        r.Add(new(MedicationRequest.TypeName, "status", SearchParamType.Token, "MedicationRequest.status",
            x => Code("status", "http://hl7.org/fhir/CodeSystem/medicationrequest-status", ((MedicationRequest)x).Status)));
        r.Add(new(MedicationRequest.TypeName, "intent", SearchParamType.Token, "MedicationRequest.intent",
            x => Code("intent", "http://hl7.org/fhir/CodeSystem/medicationrequest-intent", ((MedicationRequest)x).Intent)));
        r.Add(new(MedicationRequest.TypeName, "authoredon", SearchParamType.Date, "MedicationRequest.authoredOn",
            x => Dates("authoredon", ((MedicationRequest)x).AuthoredOn)));
        r.Add(new(MedicationRequest.TypeName, "code", SearchParamType.Token, "(MedicationRequest.medication as CodeableConcept)",
            x => Concepts("code", [((MedicationRequest)x).MedicationCodeableConcept])));

        r.Add(new(Procedure.TypeName, "identifier", SearchParamType.Token, "Procedure.identifier",
            x => Identifiers("identifier", ((Procedure)x).Identifier)));
        r.Add(new(Procedure.TypeName, "patient", SearchParamType.Reference, "Procedure.subject.where(resolve() is Patient)",
            x => References("patient", [((Procedure)x).Subject], Patient.TypeName), [Patient.TypeName]));
        r.Add(new(Procedure.TypeName, "subject", SearchParamType.Reference, "Procedure.subject",
            x => References("subject", [((Procedure)x).Subject]), [Patient.TypeName, "Group"]));
        r.Add(new(Procedure.TypeName, "date", SearchParamType.Date, "Procedure.performed",
            x => ProcedureDates((Procedure)x)));
        r.Add(new(Procedure.TypeName, "code", SearchParamType.Token, "Procedure.code",
            x => Concepts("code", [((Procedure)x).Code])));
        r.Add(new(Procedure.TypeName, "status", SearchParamType.Token, "Procedure.status",
            x => Code("status", "http://hl7.org/fhir/event-status", ((Procedure)x).Status)));

        r.Add(new(Provenance.TypeName, "target", SearchParamType.Reference, "Provenance.target",
            x => References("target", ((Provenance)x).Target), [Patient.TypeName, MedicationRequest.TypeName, Procedure.TypeName]));

        r.Add(new(Practitioner.TypeName, "identifier", SearchParamType.Token, "Practitioner.identifier",
            x => Identifiers("identifier", ((Practitioner)x).Identifier)));
        r.Add(new(Practitioner.TypeName, "name", SearchParamType.String, "Practitioner.name",
            x => Names("name", ((Practitioner)x).Name, n => [n.Text, n.Family, .. n.Given ?? [], .. n.Prefix ?? [], .. n.Suffix ?? []])));
        r.Add(new(Organization.TypeName, "identifier", SearchParamType.Token, "Organization.identifier",
            x => Identifiers("identifier", ((Organization)x).Identifier)));
        r.Add(new(Medication.TypeName, "code", SearchParamType.Token, "Medication.code",
            x => Concepts("code", [((Medication)x).Code])));
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

    private static IEnumerable<IndexEntry> Names(string param, IEnumerable<HumanName>? names, Func<HumanName, IEnumerable<string?>> parts) =>
        (names ?? []).SelectMany(parts)
            .Where(s => !string.IsNullOrWhiteSpace(s))
            .Distinct(StringComparer.Ordinal)
            .Select(s => new StringEntry(param, TextFolding.Fold(s!), s!));

    private static IEnumerable<IndexEntry> Dates(string param, string? value) =>
        FhirDateTime.TryParse(value, out var d) ? [Range(param, d.Start, d.End)] : [];

    private static IEnumerable<IndexEntry> ProcedureDates(Procedure procedure)
    {
        if (procedure.PerformedDateTime is not null) return Dates("date", procedure.PerformedDateTime);
        if (procedure.PerformedPeriod is { } period)
        {
            var hasStart = FhirDateTime.TryParse(period.Start, out var start);
            var hasEnd = FhirDateTime.TryParse(period.End, out var end);
            if (!hasStart && !hasEnd) return [];
            // An open end of a period reaches as far as time goes in that direction.
            return [Range("date", hasStart ? start.Start : DateTimeOffset.MinValue, hasEnd ? end.End : DateTimeOffset.MaxValue)];
        }
        return [];
    }

    private static DateEntry Range(string param, DateTimeOffset start, DateTimeOffset endExclusive) =>
        new(param, DateBounds.ToLow(start), DateBounds.ToHigh(endExclusive));

    private static IEnumerable<IndexEntry> References(string param, IEnumerable<Reference?>? references, string? onlyType = null)
    {
        foreach (var reference in references ?? [])
        {
            if (!ResourceReference.TryParse(reference?.ReferenceValue, out var type, out var id)) continue;
            if (onlyType is not null && type != onlyType) continue;
            yield return new ReferenceEntry(param, type, id);
        }
    }
}
