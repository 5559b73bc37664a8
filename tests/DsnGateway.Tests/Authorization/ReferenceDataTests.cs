using System.Net;
using System.Text.Json.Nodes;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using static DsnGateway.Tests.Authorization.AccessKit;

namespace DsnGateway.Tests.Authorization;

/// <summary>
/// Every type the gateway serves under /fhir, and the rules of the three that hold no patient data (Practitioner,
/// Organization, Medication): a matching scope is all they need, there is no care relationship to confine them.
/// The README's table of served types states exactly this.
/// </summary>
public class ReferenceDataTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    [Fact]
    public async Task The_capability_statement_lists_exactly_the_types_the_gateway_serves()
    {
        using var response = await fixture.Anonymous.GetAsync("fhir/metadata");
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, body);
        var types = JsonNode.Parse(body)!["rest"]![0]!["resource"]!.AsArray().Select(r => r!["type"]!.GetValue<string>());
        types.Should().BeEquivalentTo("Patient", "MedicationRequest", "Procedure", "Practitioner", "Organization", "Medication", "AuditEvent");
    }

    [Fact]
    public async Task Reference_data_written_in_one_establishment_is_read_and_searched_in_another_without_break_the_glass()
    {
        using var mcq = fixture.Clinician("MCQ");
        var practitioner = await CreateAsync(mcq, new Practitioner { Name = [new HumanName { Family = "Bouchard" }] });
        var organization = await CreateAsync(mcq, new Organization { Name = "Pharmacie " + Unique("") });
        var medication = await CreateAsync(mcq, new Medication
        {
            Code = new CodeableConcept { Coding = [new Coding { System = "http://hl7.org/fhir/NamingSystem/ca-hc-din", Code = "02229873" }] },
        });

        using var nim = fixture.Clinician("NIM", "user/*.rs");
        foreach (var (type, id) in new[] { ("Practitioner", practitioner.Id), ("Organization", organization.Id), ("Medication", medication.Id) })
        {
            (await nim.GetAsync($"fhir/{type}/{id}")).StatusCode.Should().Be(HttpStatusCode.OK, "{0} is reference data", type);
            (await SearchAllAsync(nim, $"fhir/{type}?_count=1000")).Select(r => r.Id).Should().Contain(id);
        }

        // A patient/ grant is confined to its patient for patient data; reference data has no patient to confine to.
        using var patientApp = fixture.ClientWith(fixture.Token("clinician", "patient/*.rs", "NIM", patient: Tremblay));
        (await patientApp.GetAsync($"fhir/Practitioner/{practitioner.Id}")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await patientApp.GetAsync($"fhir/Patient/{Gagnon}")).StatusCode.Should().Be(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Reference_data_still_needs_its_scope_and_is_not_for_privacy_officers()
    {
        using var mcq = fixture.Clinician("MCQ");
        var practitioner = await CreateAsync(mcq, new Practitioner { Name = [new HumanName { Family = "Lévesque" }] });

        using var patientsOnly = fixture.Clinician("NIM", "user/Patient.rs");
        using (var refused = await patientsOnly.GetAsync($"fhir/Practitioner/{practitioner.Id}"))
            (await ExpectOutcomeAsync(refused, HttpStatusCode.Forbidden)).Diagnostics().Should().Contain("user/Practitioner.r");
        using (var refused = await patientsOnly.GetAsync("fhir/Medication"))
            (await ExpectOutcomeAsync(refused, HttpStatusCode.Forbidden)).Diagnostics().Should().Contain("user/Medication.s");

        using var officer = fixture.PrivacyOfficer();
        (await officer.GetAsync($"fhir/Practitioner/{practitioner.Id}")).StatusCode.Should().Be(HttpStatusCode.Forbidden);
    }

    [Theory]
    [InlineData("fhir/Provenance")]
    [InlineData("fhir/Observation")]
    public async Task A_type_the_store_may_hold_but_the_gateway_does_not_serve_is_403(string path)
    {
        using var response = await fixture.Client.GetAsync(path);
        (await ExpectOutcomeAsync(response, HttpStatusCode.Forbidden)).Diagnostics().Should().Contain("not offered");
    }
}
