using System.Net;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using DsnGateway.Fhir.Serialization;
using static DsnGateway.Tests.Authorization.AccessKit;

namespace DsnGateway.Tests.Authorization;

/// <summary>A restricted patient (meta.security R) is out of every query without break-the-glass, even within the relationship.</summary>
public class RestrictedPatientTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    [Fact]
    public async Task An_admin_restricts_a_patient_then_lifts_it()
    {
        using var clinician = fixture.Clinician("NIM");
        using var admin = fixture.Admin();
        var patient = await CreateAsync(clinician, NewPatient(NimMrn, out var mrn));
        var order = await CreateAsync(clinician, NewOrder(patient.Id!));
        var procedure = await CreateAsync(clinician, NewProcedure(patient.Id!));
        var countBefore = (await SearchAsync(clinician, "fhir/Patient?_summary=count")).Total;
        var ordersBefore = (await SearchAsync(clinician, "fhir/MedicationRequest?_summary=count")).Total;

        using (var restrict = await admin.PostAsync($"admin/patients/{patient.Id}/restricted", null))
            restrict.StatusCode.Should().Be(HttpStatusCode.OK, await restrict.Content.ReadAsStringAsync());

        // Read refused, with the way out named; searches and counts no longer see the patient or the orders.
        using (var read = await clinician.GetAsync($"fhir/Patient/{patient.Id}"))
            (await ExpectOutcomeAsync(read, HttpStatusCode.Forbidden)).Diagnostics().Should().Contain("X-Break-Glass");
        (await clinician.GetAsync($"fhir/MedicationRequest/{order.Id}")).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await clinician.GetAsync($"fhir/Patient/{patient.Id}/$everything")).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await SearchAllAsync(clinician, $"fhir/Patient?identifier={NimMrn}|{mrn}")).Should().BeEmpty();
        (await SearchAllAsync(clinician, "fhir/Patient?_count=1000")).Select(p => p.Id).Should().NotContain(patient.Id);
        (await SearchAsync(clinician, "fhir/Patient?_summary=count")).Total.Should().Be(countBefore - 1);
        (await SearchAsync(clinician, "fhir/MedicationRequest?_summary=count")).Total.Should().Be(ordersBefore - 1);
        (await SearchAllAsync(clinician, "fhir/MedicationRequest?_count=1000")).Select(o => o.Id).Should().NotContain(order.Id);
        (await SearchAllAsync(clinician, $"fhir/MedicationRequest?patient=Patient/{patient.Id}")).Should().BeEmpty();
        (await SearchAllAsync(clinician, "fhir/Procedure?_count=1000")).Select(p => p.Id).Should().NotContain(procedure.Id);
        (await SearchAllAsync(clinician, "fhir/MedicationRequest?_count=1000&_include=MedicationRequest:patient"))
            .Select(r => r.Id).Should().NotContain(patient.Id);

        // Break-the-glass opens it, restriction label and all.
        using (var glass = await GetAsync(clinician, $"fhir/Patient/{patient.Id}", "consentement du patient"))
        {
            glass.StatusCode.Should().Be(HttpStatusCode.OK);
            var stored = FhirJson.Parse<Patient>(await glass.Content.ReadAsStringAsync());
            stored.Meta!.Security!.Should().Contain(c => c.Code == "R" && c.System == "http://terminology.hl7.org/CodeSystem/v3-Confidentiality");
        }
        (await SearchAllAsync(clinician, $"fhir/MedicationRequest?patient=Patient/{patient.Id}", "consentement du patient"))
            .Select(o => o.Id).Should().Equal(order.Id);

        // Restricting twice changes nothing; lifting restores every view.
        (await admin.PostAsync($"admin/patients/{patient.Id}/restricted", null)).StatusCode.Should().Be(HttpStatusCode.OK);
        (await admin.DeleteAsync($"admin/patients/{patient.Id}/restricted")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await clinician.GetAsync($"fhir/Patient/{patient.Id}")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await SearchAllAsync(clinician, $"fhir/Patient?identifier={NimMrn}|{mrn}")).Select(p => p.Id).Should().Equal(patient.Id);
        (await SearchAsync(clinician, "fhir/Patient?_summary=count")).Total.Should().Be(countBefore);
        (await SearchAllAsync(clinician, $"fhir/MedicationRequest?patient=Patient/{patient.Id}")).Select(o => o.Id).Should().Equal(order.Id);
    }

    [Fact]
    public async Task Only_an_admin_changes_the_restriction_a_write_through_fhir_may_neither_drop_nor_add_it()
    {
        using var clinician = fixture.Clinician("NIM");
        using var admin = fixture.Admin();
        var patient = await CreateAsync(clinician, NewPatient(NimMrn, out _));
        (await admin.PostAsync($"admin/patients/{patient.Id}/restricted", null)).StatusCode.Should().Be(HttpStatusCode.OK);
        Patient stored;
        using (var glass = await GetAsync(clinician, $"fhir/Patient/{patient.Id}", "soins urgents"))
            stored = FhirJson.Parse<Patient>(await glass.Content.ReadAsStringAsync());

        // Break-the-glass opens the record, not its restriction: a PUT without the label is refused and changes nothing.
        var unlabelled = FhirJson.DeepCopy(stored);
        unlabelled.Meta = null;
        using (var dropped = await PutAsync(clinician, unlabelled, "soins urgents"))
            (await ExpectOutcomeAsync(dropped, HttpStatusCode.Forbidden)).Diagnostics().Should().Contain("administrator");
        (await clinician.GetAsync($"fhir/Patient/{patient.Id}")).StatusCode.Should().Be(HttpStatusCode.Forbidden, "the patient is still restricted");

        // The same correction written with the label as stored goes through.
        var corrected = FhirJson.DeepCopy(stored);
        corrected.Gender = AdministrativeGender.Unknown;
        using (var kept = await PutAsync(clinician, corrected, "soins urgents"))
            kept.StatusCode.Should().Be(HttpStatusCode.OK, await kept.Content.ReadAsStringAsync());
        (await clinician.GetAsync($"fhir/Patient/{patient.Id}")).StatusCode.Should().Be(HttpStatusCode.Forbidden, "the patient is still restricted");

        // Nor may a clinician restrict a patient: not on create, not on update.
        var labelled = NewPatient(NimMrn, out _);
        labelled.Meta = new Meta { Security = [new Coding { System = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality", Code = "R" }] };
        using (var created = await clinician.PostAsync("fhir/Patient", GatewayFixture.Json(labelled)))
            await ExpectOutcomeAsync(created, HttpStatusCode.Forbidden);
        var open = await CreateAsync(clinician, NewPatient(NimMrn, out _));
        open.Meta = labelled.Meta;
        using (var added = await PutAsync(clinician, open, null))
            await ExpectOutcomeAsync(added, HttpStatusCode.Forbidden);
        (await clinician.GetAsync($"fhir/Patient/{open.Id}")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    private static Task<HttpResponseMessage> PutAsync(HttpClient client, Patient patient, string? breakGlass)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, $"fhir/Patient/{patient.Id}") { Content = GatewayFixture.Json(patient) };
        if (breakGlass is not null) request.Headers.TryAddWithoutValidation("X-Break-Glass", breakGlass);
        return client.SendAsync(request);
    }

    [Fact]
    public async Task A_read_allowed_a_moment_ago_is_refused_as_soon_as_the_patient_is_restricted_and_allowed_again_once_lifted()
    {
        // The gateway remembers visibility decisions while the store is unchanged: a restriction is a change.
        using var clinician = fixture.Clinician("NIM");
        using var admin = fixture.Admin();
        var patient = await CreateAsync(clinician, NewPatient(NimMrn, out _));
        for (var i = 0; i < 3; i++) (await clinician.GetAsync($"fhir/Patient/{patient.Id}")).StatusCode.Should().Be(HttpStatusCode.OK);

        (await admin.PostAsync($"admin/patients/{patient.Id}/restricted", null)).StatusCode.Should().Be(HttpStatusCode.OK);
        (await clinician.GetAsync($"fhir/Patient/{patient.Id}")).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await clinician.GetAsync($"fhir/Patient/{patient.Id}")).StatusCode.Should().Be(HttpStatusCode.Forbidden);

        (await admin.DeleteAsync($"admin/patients/{patient.Id}/restricted")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await clinician.GetAsync($"fhir/Patient/{patient.Id}")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Restricting_applies_to_every_establishment()
    {
        using var nim = fixture.Clinician("NIM");
        using var admin = fixture.Admin("user/Patient.r");
        var shared = NewPatient(NimMrn, out _);
        shared.Identifier!.Add(new Identifier { System = McqMrn, Value = Unique("M") });
        var patient = await CreateAsync(nim, shared);
        (await admin.PostAsync($"admin/patients/{patient.Id}/restricted", null)).StatusCode.Should().Be(HttpStatusCode.OK);

        using var mcq = fixture.Clinician("MCQ");
        (await mcq.GetAsync($"fhir/Patient/{patient.Id}")).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await GetAsync(mcq, $"fhir/Patient/{patient.Id}", "urgence")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Only_admins_use_the_admin_operations()
    {
        var patient = await CreateAsync(fixture.Client, NewPatient(NimMrn, out _));
        foreach (var (role, scope, establishment) in new[] { ("clinician", "user/*.cruds", "NIM"), ("privacy-officer", "user/AuditEvent.rs", null), ("system", "system/*.cu", "NIM") })
        {
            using var client = fixture.ClientWith(fixture.Token(role, scope, establishment, "not.admin"));
            using var post = await client.PostAsync($"admin/patients/{patient.Id}/restricted", null);
            await ExpectOutcomeAsync(post, HttpStatusCode.Forbidden);
            using var delete = await client.DeleteAsync($"admin/patients/{patient.Id}/restricted");
            await ExpectOutcomeAsync(delete, HttpStatusCode.Forbidden);
        }
        (await fixture.Anonymous.PostAsync($"admin/patients/{patient.Id}/restricted", null)).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await fixture.Client.GetAsync($"fhir/Patient/{patient.Id}")).StatusCode.Should().Be(HttpStatusCode.OK, "nothing was restricted");

        using var admin = fixture.Admin();
        using var missing = await admin.PostAsync("admin/patients/no-such-patient/restricted", null);
        await ExpectOutcomeAsync(missing, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_patient_listed_in_configuration_is_restricted_from_the_start()
    {
        await using var gateway = await OwnGateway.StartAsync(new Dictionary<string, string?> { ["Access:RestrictedPatients:0"] = Tremblay });
        using var clinician = gateway.Client();

        (await clinician.GetAsync($"fhir/Patient/{Tremblay}")).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await clinician.GetAsync($"fhir/Patient/{Cote}")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await SearchAllAsync(clinician, "fhir/Patient?_count=1000")).Select(p => p.Id).Should().NotContain(Tremblay).And.Contain(Cote);
        (await SearchAllAsync(clinician, "fhir/MedicationRequest?_count=1000")).Select(o => o.Id).Should().NotContain("sample-mr-tremblay-1");
        (await GetAsync(clinician, $"fhir/Patient/{Tremblay}", "urgence")).StatusCode.Should().Be(HttpStatusCode.OK);
    }
}
