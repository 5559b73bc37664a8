using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using DsnGateway.Fhir.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace DsnGateway.Tests.Authorization;

/// <summary>Helpers the access tests share: callers, fresh patients and orders, the audit read back.</summary>
public static class AccessKit
{
    public const string NimMrn = "urn:dsn:mrn:nim";
    public const string McqMrn = "urn:dsn:mrn:mcq";
    public const string Tremblay = "sample-nim-tremblay";
    public const string Gagnon = "sample-mcq-gagnon";
    public const string Cote = "sample-both-cote";

    public static string Unique(string prefix) => prefix + Guid.NewGuid().ToString("N")[..12].ToUpperInvariant();

    public static HttpClient Clinician(this GatewayFixture fixture, string establishment = "NIM", string scope = "user/*.cruds", string? subject = null) =>
        fixture.ClientWith(fixture.Token("clinician", scope, establishment, subject ?? "dr.test"));

    public static HttpClient PrivacyOfficer(this GatewayFixture fixture) =>
        fixture.ClientWith(fixture.Token("privacy-officer", "user/AuditEvent.rs", null, "privacy.officer", fhirUser: null));

    public static HttpClient Admin(this GatewayFixture fixture, string scope = "") =>
        fixture.ClientWith(fixture.Token("admin", scope, null, "admin.test", fhirUser: null));

    public static Task<HttpResponseMessage> GetAsync(HttpClient client, string url, string? breakGlass)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (breakGlass is not null) request.Headers.TryAddWithoutValidation("X-Break-Glass", breakGlass);
        return client.SendAsync(request);
    }

    public static async Task<Bundle> SearchAsync(HttpClient client, string url, string? breakGlass = null)
    {
        using var response = await GetAsync(client, url, breakGlass);
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, "GET {0} answered {1}", url, body);
        return FhirJson.Parse<Bundle>(body);
    }

    /// <summary>Every page of a search, following next links.</summary>
    public static async Task<List<Resource>> SearchAllAsync(HttpClient client, string url, string? breakGlass = null)
    {
        var all = new List<Resource>();
        string? next = url;
        for (var page = 0; next is not null; page++)
        {
            page.Should().BeLessThan(500, "paging must end");
            var bundle = await SearchAsync(client, next, breakGlass);
            all.AddRange(bundle.Entry.Select(e => e.Resource).OfType<Resource>());
            next = bundle.Link.FirstOrDefault(l => l.Relation == "next")?.Url;
        }
        return all;
    }

    public static async Task<OperationOutcome> ExpectOutcomeAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(status, body);
        return FhirJson.Parse<OperationOutcome>(body);
    }

    public static string Diagnostics(this OperationOutcome outcome) =>
        string.Join(" ", outcome.Issue.Select(i => i.Diagnostics ?? i.Details?.Text ?? ""));

    public static bool HasMrn(this Patient patient, string system) => patient.Identifier.Any(i => i.System == system);

    public static Patient NewPatient(string establishmentMrnSystem, out string mrn)
    {
        mrn = Unique("T");
        return new Patient
        {
            Identifier = [new Identifier { System = establishmentMrnSystem, Value = mrn }],
            Name = [new HumanName { Family = "Testeur", Given = ["Access"] }],
            BirthDate = "1990-01-01",
            Gender = AdministrativeGender.Other,
        };
    }

    public static MedicationRequest NewOrder(string patientId, MedicationRequest.MedicationrequestStatus status = MedicationRequest.MedicationrequestStatus.Active) => new()
    {
        Identifier = [new Identifier { System = "urn:dsn:order:nim:placer", Value = Unique("RX-") }],
        Status = status,
        Intent = MedicationRequest.MedicationRequestIntent.Order,
        Medication = new CodeableConcept { Coding = [new Coding { System = "http://hl7.org/fhir/NamingSystem/ca-hc-din", Code = "02242903" }] },
        Subject = new ResourceReference("Patient/" + patientId),
    };

    public static Procedure NewProcedure(string patientId) => new()
    {
        Identifier = [new Identifier { System = "urn:dsn:procedure:nim", Value = Unique("PR-") }],
        Status = EventStatus.Completed,
        Code = new CodeableConcept { Coding = [new Coding { System = "https://fhir.infoway-inforoute.ca/CodeSystem/cci", Code = "1VG53LA" }] },
        Subject = new ResourceReference("Patient/" + patientId),
    };

    /// <summary>Creates a resource (with break-the-glass when asked, so any patient can be set up) and returns it as stored.</summary>
    public static async Task<T> CreateAsync<T>(HttpClient client, T resource, string? breakGlass = null) where T : Resource
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"fhir/{resource.TypeName}") { Content = GatewayFixture.Json(resource) };
        if (breakGlass is not null) request.Headers.TryAddWithoutValidation("X-Break-Glass", breakGlass);
        request.Headers.TryAddWithoutValidation("Prefer", "return=representation");
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.Created, body);
        return FhirJson.Parse<T>(body);
    }

    /// <summary>The AuditEvents a privacy officer finds with this search (e.g. <c>agent=dr.x</c>), newest first.</summary>
    public static async Task<List<AuditEvent>> AuditEventsAsync(this GatewayFixture fixture, string query)
    {
        using var officer = fixture.PrivacyOfficer();
        var bundle = await SearchAsync(officer, "fhir/AuditEvent?" + query);
        return bundle.Entry.Select(e => (AuditEvent)e.Resource!).ToList();
    }

    public static IEnumerable<string> PatientEntities(this AuditEvent auditEvent) =>
        auditEvent.Entity.Where(e => e.Role?.Code == "1" && e.Role.System == "http://terminology.hl7.org/CodeSystem/object-role")
            .Select(e => e.What!.Reference!);

    public static string? QueryOf(this AuditEvent auditEvent) =>
        auditEvent.Entity.FirstOrDefault(e => e.Role?.Code == "24")?.Query is { } q ? Encoding.UTF8.GetString(q) : null;

    public static bool IsFlagged(this AuditEvent auditEvent) =>
        auditEvent.Meta?.Tag.Any(t => t.System == "urn:dsn:audit" && t.Code == "flagged") == true;
}

/// <summary>A gateway of its own (own data directory, own configuration), for tests that break or reconfigure it.</summary>
public sealed class OwnGateway : IAsyncDisposable
{
    private WebApplication? _app;

    private OwnGateway(string dataDirectory) => DataDirectory = dataDirectory;

    public string DataDirectory { get; }

    public Uri BaseUri { get; private set; } = null!;

    public IServiceProvider Services => _app!.Services;

    public static async Task<OwnGateway> StartAsync(IReadOnlyDictionary<string, string?>? overrides = null, string? dataDirectory = null)
    {
        var gateway = new OwnGateway(dataDirectory ?? Path.Combine(Path.GetTempPath(), "dsn-gateway-tests", Guid.NewGuid().ToString("N")));
        await gateway.RestartAsync(overrides);
        return gateway;
    }

    private async Task RestartAsync(IReadOnlyDictionary<string, string?>? overrides)
    {
        _app = await GatewayFixture.StartAsync(DataDirectory, overrides ?? new Dictionary<string, string?>());
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseUri = new Uri(address.TrimEnd('/') + "/");
    }

    public HttpClient Client(string role = "clinician", string scope = "user/*.cruds", string? establishment = "NIM", string subject = "dr.test", string? fhirUser = "Practitioner/95112")
    {
        var client = new HttpClient { BaseAddress = BaseUri };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            GatewayFixture.IssueToken(Services, role, scope, establishment, subject, fhirUser: fhirUser));
        return client;
    }

    /// <summary>Stops the gateway (flushing its logs and audit) and releases its files, keeping the data directory.</summary>
    public async Task StopAsync()
    {
        if (_app is null) return;
        await _app.StopAsync();
        await _app.DisposeAsync();
        _app = null;
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try { Directory.Delete(DataDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
