using DsnGateway.Fhir.Model;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using DsnGateway.Fhir.Serialization;
using Hl7.Fhir.Utility;

namespace DsnGateway.RecordStore.Tests.Http;

/// <summary>Builders and helpers for search tests; every value that selects is unique to its test.</summary>
internal static class SearchTestData
{
    public const string Mrn = "urn:dsn:mrn:nim";
    public const string Confidentiality = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality";
    public const string Din = "http://hl7.org/fhir/NamingSystem/ca-hc-din";
    public const string Cci = "https://fhir.infoway-inforoute.ca/CodeSystem/cci";

    public static string Unique() => Guid.NewGuid().ToString("N");

    public static Patient Patient(string? family = null, string[]? given = null, string? birthDate = null, string? gender = null,
        Identifier[]? identifiers = null, Coding[]? security = null, Coding[]? tags = null) => new()
    {
        Identifier = identifiers?.ToList() ?? [new Identifier { System = Mrn, Value = Unique() }],
        Name = [new HumanName { Family = family ?? "F" + Unique(), Given = given ?? ["G" + Unique()] }],
        BirthDate = birthDate,
        Gender = Code<AdministrativeGender>(gender),
        Meta = security is null && tags is null ? null : new Meta { Security = security?.ToList() ?? [], Tag = tags?.ToList() ?? [] },
    };

    public static MedicationRequest Order(string patientId, string? status = "active", string? intent = "order", string? authoredOn = null,
        string? din = null, string? identifier = null, Coding[]? tags = null) => new()
    {
        Identifier = [new Identifier { System = "urn:dsn:order:nim:placer", Value = identifier ?? Unique() }],
        Status = Code<MedicationRequest.MedicationrequestStatus>(status),
        Intent = Code<MedicationRequest.MedicationRequestIntent>(intent),
        Subject = new ResourceReference { Reference = $"Patient/{patientId}" },
        AuthoredOn = authoredOn,
        Medication = new CodeableConcept { Coding = [new Coding { System = Din, Code = din ?? Unique()[..8] }] },
        Meta = tags is null ? null : new Meta { Tag = tags.ToList() },
    };

    public static Procedure Procedure(string patientId, string? status = "completed", string? performed = null, Period? period = null,
        string? cci = null, string? identifier = null) => new()
    {
        Identifier = [new Identifier { System = "urn:dsn:procedure:nim", Value = identifier ?? Unique() }],
        Status = Code<EventStatus>(status),
        Subject = new ResourceReference { Reference = $"Patient/{patientId}" },
        Performed = performed is not null ? new FhirDateTime(performed) : period,
        Code = new CodeableConcept { Coding = [new Coding { System = Cci, Code = cci ?? Unique()[..10] }] },
    };

    /// <summary>A code with a required binding, as Firely's enum (the builders take the FHIR code, as a client writes it).</summary>
    private static T? Code<T>(string? code) where T : struct, Enum =>
        code is null ? null : EnumUtility.ParseLiteral<T>(code) ?? throw new ArgumentException($"'{code}' is not a {typeof(T).Name} code.", nameof(code));

    public static Coding Restricted => new() { System = Confidentiality, Code = "R" };

    public static string E(string value) => Uri.EscapeDataString(value);

    /// <summary>Ids of the entries that matched (search.mode match).</summary>
    public static List<string> MatchIds(this Bundle bundle) =>
        (bundle.Entry ?? []).Where(e => e.Search?.Mode == Bundle.SearchEntryMode.Match).Select(e => e.Resource!.Id!).ToList();

    public static List<Bundle.EntryComponent> Entries(this Bundle bundle, string mode) =>
        (bundle.Entry ?? []).Where(e => e.Search?.Mode == EnumUtility.ParseLiteral<Bundle.SearchEntryMode>(mode)).ToList();

    public static string? LinkUrl(this Bundle bundle, string relation) =>
        bundle.Link?.FirstOrDefault(l => l.Relation == relation)?.Url;

    public static async Task<(int Status, Resource? Body)> GetAsync(this RecordStoreFixture store, string relativeUrl, string? prefer = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, relativeUrl);
        if (prefer is not null) request.Headers.TryAddWithoutValidation("Prefer", prefer);
        using var response = await store.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? null : FhirJson.Parse(text));
    }

    /// <summary>Ids found by a search, asserting it has no more than one page.</summary>
    public static async Task<List<string>> FindAsync(this RecordStoreFixture store, string relativeUrl)
    {
        var bundle = await store.SearchAsync(relativeUrl);
        bundle.LinkUrl("next").Should().BeNull("{0} should fit in one page", relativeUrl);
        return bundle.MatchIds();
    }

    public static async Task<T> UpdateAsync<T>(this RecordStoreFixture store, T resource) where T : Resource
    {
        using var response = await store.Client.PutAsync($"{resource.TypeName}/{resource.Id}", RecordStoreFixture.Json(resource));
        var body = await response.Content.ReadAsStringAsync();
        if ((int)response.StatusCode != 200) throw new InvalidOperationException($"update failed: {(int)response.StatusCode} {body}");
        return FhirJson.Parse<T>(body);
    }

    public static async Task DeleteAsync(this RecordStoreFixture store, Resource resource)
    {
        using var response = await store.Client.DeleteAsync($"{resource.TypeName}/{resource.Id}");
        ((int)response.StatusCode).Should().BeOneOf(200, 204);
    }
}
