using System.Net;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using static DsnGateway.Tests.Authorization.AccessKit;

namespace DsnGateway.Tests.Authorization;

/// <summary>Included resources are not confined by the query: the gateway offers only includes that cannot leave the relationship or the scopes.</summary>
public class IncludeTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    [Theory]
    [InlineData("_include=Patient:link")]
    [InlineData("_include=Patient:link:Patient")]
    [InlineData("_revinclude=Patient:link")]
    public async Task A_patient_link_cannot_reach_a_patient_outside_the_relationship(string include)
    {
        using var client = fixture.Clinician("NIM", "user/*.cruds");
        var linked = NewPatient(NimMrn, out var mrn);
        linked.Link = [new Patient.LinkComponent { Type = Patient.LinkType.Seealso, Other = new ResourceReference("Patient/" + Gagnon) }];
        var nim = await CreateAsync(client, linked);
        // And the other way: a patient outside the relationship whose link points at the visible one.
        var outside = NewPatient(McqMrn, out _);
        outside.Name = [new HumanName { Family = "Gagnon", Given = ["Hors"] }];
        outside.Link = [new Patient.LinkComponent { Type = Patient.LinkType.Seealso, Other = new ResourceReference("Patient/" + nim.Id) }];
        await CreateAsync(client, outside, "mise en place du test");

        using var response = await client.GetAsync($"fhir/Patient?identifier={NimMrn}|{mrn}&{include}");
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.Forbidden, body);
        body.Should().NotContainAny("GAGM72110321", "\"family\":\"Gagnon\"");

        // With break-the-glass nothing is confined, so the include runs.
        var opened = await SearchAsync(client, $"fhir/Patient?identifier={NimMrn}|{mrn}&{include}", "urgence");
        opened.Entry.Should().NotBeEmpty();
    }

    [Theory]
    [InlineData("Patient", "_revinclude=Provenance:target")]
    [InlineData("MedicationRequest", "_revinclude=Provenance:target")]
    public async Task A_type_the_gateway_does_not_offer_cannot_come_in_through_an_include(string type, string include)
    {
        using var client = fixture.Clinician("NIM", "user/*.rs");

        using var response = await client.GetAsync($"fhir/{type}?_count=5&{include}");

        (await ExpectOutcomeAsync(response, HttpStatusCode.Forbidden)).Diagnostics().Should().Contain("Provenance");
        (await client.GetAsync("fhir/Provenance")).StatusCode.Should().Be(HttpStatusCode.Forbidden, "Provenance is not offered by itself either");
    }

    [Theory]
    [InlineData("_include=MedicationRequest:subject")]
    [InlineData("_include=MedicationRequest:patient")]
    [InlineData("_include=MedicationRequest:subject:Patient")]
    public async Task An_include_of_patients_needs_a_patient_scope_whether_or_not_it_names_the_type(string include)
    {
        using var client = fixture.Clinician("NIM", "user/MedicationRequest.rs");
        using var response = await client.GetAsync("fhir/MedicationRequest?" + include);
        var outcome = await ExpectOutcomeAsync(response, HttpStatusCode.Forbidden);
        outcome.Diagnostics().Should().Contain("user/Patient.r");
    }

    [Fact]
    public async Task An_include_in_a_posted_search_form_is_checked_like_one_in_the_url()
    {
        using var client = fixture.Clinician("NIM", "user/MedicationRequest.rs");
        using var response = await client.PostAsync("fhir/MedicationRequest/_search",
            new FormUrlEncodedContent([KeyValuePair.Create("_include", "MedicationRequest:subject:Patient")]));
        (await ExpectOutcomeAsync(response, HttpStatusCode.Forbidden)).Diagnostics().Should().Contain("user/Patient.r");
    }

    [Fact]
    public async Task Includes_between_a_record_and_its_own_patient_still_run()
    {
        using var client = fixture.Clinician("NIM", "user/*.rs");
        var orders = await SearchAsync(client, "fhir/MedicationRequest?_include=MedicationRequest:subject&_count=1000");
        orders.Entry!.Select(e => e.Resource).OfType<Patient>().Select(p => p.Id).Should().Contain(Tremblay).And.NotContain(Gagnon);

        var form = await client.PostAsync("fhir/MedicationRequest/_search",
            new FormUrlEncodedContent([KeyValuePair.Create("_include", "MedicationRequest:patient"), KeyValuePair.Create("_count", "1000")]));
        var body = await form.Content.ReadAsStringAsync();
        form.StatusCode.Should().Be(HttpStatusCode.OK, body);
        body.Should().Contain(Tremblay).And.NotContain("GAGM72110321");

        var procedures = await SearchAsync(client, "fhir/Patient?_revinclude=Procedure:patient&_count=1000");
        procedures.Entry!.Select(e => e.Resource!.Id).Should().Contain("sample-proc-cote-1").And.NotContain("sample-proc-gagnon-1");
    }
}
