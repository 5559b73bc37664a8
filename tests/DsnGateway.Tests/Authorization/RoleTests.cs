using System.Net;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using static DsnGateway.Tests.Authorization.AccessKit;

namespace DsnGateway.Tests.Authorization;

/// <summary>What each role may touch at all, whatever its scopes.</summary>
public class RoleTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    [Fact]
    public async Task A_privacy_officer_reads_the_audit_and_nothing_clinical()
    {
        using var officer = fixture.PrivacyOfficer();
        (await SearchAsync(officer, "fhir/AuditEvent?_count=5")).Type.Should().Be(Bundle.BundleType.Searchset);
        using var patients = await officer.GetAsync("fhir/Patient");
        await ExpectOutcomeAsync(patients, HttpStatusCode.Forbidden);
        using var read = await officer.GetAsync($"fhir/Patient/{Tremblay}");
        await ExpectOutcomeAsync(read, HttpStatusCode.Forbidden);
        (await GetAsync(officer, $"fhir/Patient/{Tremblay}", "enquete")).StatusCode.Should().Be(HttpStatusCode.Forbidden, "break-the-glass is for care, not for roles");
    }

    [Fact]
    public async Task A_privacy_officer_without_the_audit_scope_is_refused_naming_it()
    {
        using var officer = fixture.ClientWith(fixture.Token("privacy-officer", "user/Patient.rs", null, "po.noscope", fhirUser: null));
        using var response = await officer.GetAsync("fhir/AuditEvent");
        (await ExpectOutcomeAsync(response, HttpStatusCode.Forbidden)).Diagnostics().Should().Contain("user/AuditEvent.s");
    }

    [Theory]
    [InlineData("clinician", "user/*.cruds", "NIM")]
    [InlineData("clinician", "user/AuditEvent.rs", "MCQ")]
    [InlineData("admin", "", null)]
    [InlineData("system", "system/*.cruds", "NIM")]
    public async Task Only_privacy_officers_read_the_audit(string role, string scope, string? establishment)
    {
        using var client = fixture.ClientWith(fixture.Token(role, scope, establishment, "not.po"));
        using var response = await client.GetAsync("fhir/AuditEvent");
        var outcome = await ExpectOutcomeAsync(response, HttpStatusCode.Forbidden);
        (await response.Content.ReadAsStringAsync()).Should().NotContain("\"AuditEvent\"", "no audit record leaks into the refusal").And.NotContain("Patient/");
        outcome.Issue.Should().NotBeEmpty();
    }

    [Fact]
    public async Task An_admin_reads_nothing_clinical()
    {
        foreach (var scope in new[] { "", "user/Patient.r", "user/*.cruds" })
        {
            using var admin = fixture.Admin(scope);
            (await admin.GetAsync($"fhir/Patient/{Tremblay}")).StatusCode.Should().Be(HttpStatusCode.Forbidden);
            (await admin.GetAsync("fhir/Patient")).StatusCode.Should().Be(HttpStatusCode.Forbidden);
            (await admin.GetAsync("fhir/MedicationRequest/sample-mr-tremblay-1")).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        }
    }

    [Fact]
    public async Task A_system_sender_does_not_use_the_FHIR_API_by_default()
    {
        using var system = fixture.ClientWith(fixture.Token("system", "system/*.cruds", "NIM", "pharm.nim", fhirUser: null));
        using var search = await system.GetAsync("fhir/Patient");
        await ExpectOutcomeAsync(search, HttpStatusCode.Forbidden);
        (await system.GetAsync($"fhir/Patient/{Tremblay}")).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await system.PostAsync("fhir/Patient", GatewayFixture.Json(NewPatient(NimMrn, out _)))).StatusCode.Should().Be(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_system_sender_may_use_the_FHIR_API_where_configured()
    {
        await using var gateway = await OwnGateway.StartAsync(new Dictionary<string, string?> { ["Access:SystemMayUseFhirApi"] = "true" });
        using var system = gateway.Client("system", "system/Patient.rs", "NIM", "pharm.nim", fhirUser: null);
        (await system.GetAsync($"fhir/Patient/{Tremblay}")).StatusCode.Should().Be(HttpStatusCode.OK);
        using var order = await system.GetAsync("fhir/MedicationRequest");
        (await ExpectOutcomeAsync(order, HttpStatusCode.Forbidden)).Diagnostics().Should().Contain("system/MedicationRequest.s");
    }

    [Fact]
    public async Task No_token_is_401_and_a_clinician_without_establishment_is_refused()
    {
        using var anonymous = await fixture.Anonymous.GetAsync($"fhir/Patient/{Tremblay}");
        (await ExpectOutcomeAsync(anonymous, HttpStatusCode.Unauthorized)).Should().BeOfType<OperationOutcome>();
        anonymous.Headers.WwwAuthenticate.Should().NotBeEmpty();

        using var noEstablishment = fixture.ClientWith(fixture.Token("clinician", "user/*.cruds", null, "dr.nowhere"));
        (await noEstablishment.GetAsync($"fhir/Patient/{Tremblay}")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }
}
