using System.Net;
using DsnGateway.Fhir.Model;
using DsnGateway.Fhir.Serialization;
using static DsnGateway.Tests.Authorization.AccessKit;

namespace DsnGateway.Tests.Authorization;

/// <summary>X-Break-Glass: a reason opens a patient outside the relationship, audited and flagged; no reason, no access.</summary>
public class BreakGlassTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    [Fact]
    public async Task With_a_reason_the_patient_is_readable_and_the_audit_says_why()
    {
        var subject = Unique("dr.btg.");
        using var client = fixture.Clinician("NIM", subject: subject);

        using var response = await GetAsync(client, $"fhir/Patient/{Gagnon}", "urgence");
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, body);
        FhirJson.Parse<Patient>(body).Id.Should().Be(Gagnon);

        var audit = (await fixture.AuditEventsAsync($"agent={subject}")).Should().ContainSingle().Subject;
        audit.Outcome.Should().Be("0");
        audit.PurposeOfEvent!.Should().ContainSingle().Which.Should().Match<CodeableConcept>(c =>
            c.Text == "urgence" && c.Coding!.Any(k => k.Code == "BTG" && k.System == "http://terminology.hl7.org/CodeSystem/v3-ActReason"));
        audit.Agent!.Single(a => a.Requestor == true).PurposeOfUse!.Single().Text.Should().Be("urgence");
        audit.IsFlagged().Should().BeTrue();
        audit.PatientEntities().Should().Equal($"Patient/{Gagnon}");

        // Privacy officers find it among the flagged accesses.
        (await fixture.AuditEventsAsync($"agent={subject}&_tag=urn:dsn:audit|flagged")).Should().ContainSingle();
    }

    [Fact]
    public async Task Break_glass_opens_the_patient_records_and_everything()
    {
        using var client = fixture.Clinician("NIM");
        (await GetAsync(client, "fhir/MedicationRequest/sample-mr-gagnon-1", "urgence")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await GetAsync(client, "fhir/Procedure/sample-proc-gagnon-1", "urgence")).StatusCode.Should().Be(HttpStatusCode.OK);
        var orders = await SearchAllAsync(client, $"fhir/MedicationRequest?patient=Patient/{Gagnon}", "urgence");
        orders.Select(o => o.Id).Should().Equal("sample-mr-gagnon-1");
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public async Task Without_a_reason_it_is_refused_saying_a_reason_is_required(string header)
    {
        var subject = Unique("dr.noreason.");
        using var client = fixture.Clinician("NIM", subject: subject);
        using var response = await GetAsync(client, $"fhir/Patient/{Gagnon}", header);
        var outcome = await ExpectOutcomeAsync(response, HttpStatusCode.Forbidden);
        outcome.Diagnostics().Should().Contain("reason");
        (await response.Content.ReadAsStringAsync()).Should().NotContain("Gagnon");

        // Even a patient the clinician may see is refused with an empty reason: the header is a claim to justify.
        using var own = await GetAsync(client, $"fhir/Patient/{Tremblay}", header);
        own.StatusCode.Should().Be(HttpStatusCode.Forbidden);

        var audits = await fixture.AuditEventsAsync($"agent={subject}");
        audits.Should().HaveCount(2).And.OnlyContain(a => a.Outcome == "4" && a.IsFlagged());
    }
}
