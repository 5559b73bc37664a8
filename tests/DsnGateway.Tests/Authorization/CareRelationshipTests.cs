using System.Net;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using DsnGateway.Fhir.Serialization;
using static DsnGateway.Tests.Authorization.AccessKit;

namespace DsnGateway.Tests.Authorization;

/// <summary>A clinician sees the patients carrying an MRN of their establishment, and what belongs to them.</summary>
public class CareRelationshipTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    [Theory]
    [InlineData("NIM", "Patient/" + Tremblay, HttpStatusCode.OK)]
    [InlineData("NIM", "Patient/" + Gagnon, HttpStatusCode.Forbidden)]
    [InlineData("NIM", "Patient/" + Cote, HttpStatusCode.OK)]
    [InlineData("MCQ", "Patient/" + Tremblay, HttpStatusCode.Forbidden)]
    [InlineData("MCQ", "Patient/" + Gagnon, HttpStatusCode.OK)]
    [InlineData("MCQ", "Patient/" + Cote, HttpStatusCode.OK)]
    [InlineData("NIM", "MedicationRequest/sample-mr-tremblay-1", HttpStatusCode.OK)]
    [InlineData("NIM", "MedicationRequest/sample-mr-gagnon-1", HttpStatusCode.Forbidden)]
    [InlineData("NIM", "MedicationRequest/sample-mr-cote-1", HttpStatusCode.OK)]
    [InlineData("NIM", "MedicationRequest/sample-mr-cote-2", HttpStatusCode.OK)]
    [InlineData("MCQ", "MedicationRequest/sample-mr-tremblay-1", HttpStatusCode.Forbidden)]
    [InlineData("MCQ", "MedicationRequest/sample-mr-gagnon-1", HttpStatusCode.OK)]
    [InlineData("MCQ", "MedicationRequest/sample-mr-cote-2", HttpStatusCode.OK)]
    [InlineData("NIM", "Procedure/sample-proc-gagnon-1", HttpStatusCode.Forbidden)]
    [InlineData("NIM", "Procedure/sample-proc-cote-1", HttpStatusCode.OK)]
    [InlineData("MCQ", "Procedure/sample-proc-gagnon-1", HttpStatusCode.OK)]
    [InlineData("MCQ", "Procedure/sample-proc-cote-1", HttpStatusCode.OK)]
    [InlineData("NIM", "Patient/no-such-patient", HttpStatusCode.NotFound)]
    [InlineData("MCQ", "MedicationRequest/no-such-order", HttpStatusCode.NotFound)]
    [InlineData("NIM", "Procedure/no-such-procedure", HttpStatusCode.NotFound)]
    public async Task A_read_follows_the_patient_establishment(string establishment, string path, HttpStatusCode expected)
    {
        using var client = fixture.Clinician(establishment);
        using var response = await client.GetAsync("fhir/" + path);
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(expected, body);
        if (expected == HttpStatusCode.OK)
        {
            FhirJson.Parse(body).Id.Should().Be(path.Split('/')[1]);
        }
        else
        {
            var outcome = FhirJson.Parse<OperationOutcome>(body);
            if (expected == HttpStatusCode.Forbidden)
            {
                outcome.Diagnostics().Should().Contain("X-Break-Glass");
                body.Should().NotContainAny("Tremblay", "Gagnon", "Côté", "TREE85561512", "GAGM72110321");
            }
        }
    }

    [Theory]
    [InlineData("NIM", new[] { Tremblay, Cote }, new[] { Gagnon })]
    [InlineData("MCQ", new[] { Gagnon, Cote }, new[] { Tremblay })]
    public async Task Searches_show_only_the_establishment_patients_and_their_records(string establishment, string[] visible, string[] invisible)
    {
        using var client = fixture.Clinician(establishment);
        var mrn = establishment == "NIM" ? NimMrn : McqMrn;

        var patients = (await SearchAllAsync(client, "fhir/Patient?_count=1000")).Cast<Patient>().ToList();
        patients.Select(p => p.Id).Should().Contain(visible).And.NotContain(invisible);
        patients.Should().OnlyContain(p => p.HasMrn(mrn));

        var ids = patients.Select(p => "Patient/" + p.Id).ToHashSet();
        var orders = (await SearchAllAsync(client, "fhir/MedicationRequest?_count=1000")).Cast<MedicationRequest>().ToList();
        orders.Should().NotBeEmpty().And.OnlyContain(o => ids.Contains(o.Subject!.Reference!));
        var procedures = (await SearchAllAsync(client, "fhir/Procedure?_count=1000")).Cast<Procedure>().ToList();
        procedures.Should().NotBeEmpty().And.OnlyContain(p => ids.Contains(p.Subject!.Reference!));

        // Asking for an invisible patient's records by name finds nothing rather than an error.
        foreach (var id in invisible)
            (await SearchAllAsync(client, $"fhir/MedicationRequest?patient=Patient/{id}")).Should().BeEmpty();
    }

    [Fact]
    public async Task A_clinician_cannot_write_about_a_patient_outside_the_relationship()
    {
        using var nim = fixture.Clinician("NIM");
        using var response = await nim.PostAsync("fhir/MedicationRequest", GatewayFixture.Json(NewOrder(Gagnon)));
        await ExpectOutcomeAsync(response, HttpStatusCode.Forbidden);
        (await SearchAllAsync(fixture.Clinician("MCQ"), $"fhir/MedicationRequest?patient=Patient/{Gagnon}"))
            .Select(o => o.Id).Should().Equal("sample-mr-gagnon-1");

        using var patient = await nim.PostAsync("fhir/Patient", GatewayFixture.Json(NewPatient(McqMrn, out _)));
        (await ExpectOutcomeAsync(patient, HttpStatusCode.Forbidden)).Diagnostics().Should().Contain(NimMrn);
    }
}
