using System.Net;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using DsnGateway.Fhir.Serialization;
using DsnGateway.Tests.Authorization;
using static DsnGateway.Tests.Authorization.AccessKit;

namespace DsnGateway.Tests.Audit;

/// <summary>What the gateway audits for each request (IHE BALP), read back by a privacy officer over HTTP.</summary>
public class GatewayAuditTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private (HttpClient Client, string Subject) NewClinician(string establishment = "NIM")
    {
        var subject = Unique("dr.audit.");
        return (fixture.ClientWith(fixture.Token("clinician", "user/*.cruds", establishment, subject, fhirUser: "Practitioner/95112")), subject);
    }

    [Fact]
    public async Task A_search_is_one_AuditEvent_naming_every_patient_in_the_results()
    {
        var (client, subject) = NewClinician();
        using var owned = client;
        var bundle = await SearchAsync(client, "fhir/MedicationRequest?_count=1000&_include=MedicationRequest:patient");
        var shown = bundle.Entry!.Select(e => e.Resource!).SelectMany(r => r switch
        {
            Patient p => new[] { "Patient/" + p.Id },
            MedicationRequest o => new[] { o.Subject!.Reference! },
            _ => [],
        }).Distinct().Order(StringComparer.Ordinal).ToList();
        shown.Should().Contain($"Patient/{Tremblay}").And.Contain($"Patient/{Cote}");
        bundle.Entry!.Count.Should().BeGreaterThan(shown.Count, "several results, one record");

        var audit = (await fixture.AuditEventsAsync($"agent={subject}")).Should().ContainSingle().Subject;
        audit.PatientEntities().Order(StringComparer.Ordinal).Should().Equal(shown);
        audit.Subtype!.Single().Code.Should().Be("search-type");
        audit.Action.Should().Be(AuditEvent.AuditEventAction.E);
        audit.Outcome.Should().Be(AuditEvent.AuditEventOutcome.N0);
        audit.IsFlagged().Should().BeFalse();

        var query = audit.Entity!.Single(e => e.Role?.Code == "24");
        query.Detail.Single(d => d.Type == "resourceType").Value.Should().BeOfType<FhirString>().Which.Value.Should().Be("MedicationRequest");
        audit.QueryOf().Should().Contain("_count=1000").And.Contain("_include=MedicationRequest:patient");

        // The patient search finds the same single record for each patient it named.
        foreach (var patient in shown)
            (await fixture.AuditEventsAsync($"agent={subject}&patient={patient}")).Select(a => a.Id).Should().Equal(audit.Id);
    }

    [Fact]
    public async Task A_read_names_its_patient_and_the_resource_read()
    {
        var (client, subject) = NewClinician();
        using var owned = client;
        (await client.GetAsync("fhir/MedicationRequest/sample-mr-cote-2")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await client.GetAsync($"fhir/Patient/{Tremblay}")).StatusCode.Should().Be(HttpStatusCode.OK);

        var events = await fixture.AuditEventsAsync($"agent={subject}");
        events.Should().HaveCount(2);
        var order = events.Single(e => e.PatientEntities().Contains($"Patient/{Cote}"));
        order.Subtype!.Single().Code.Should().Be("read");
        order.Action.Should().Be(AuditEvent.AuditEventAction.R);
        order.Entity!.Should().Contain(e => e.What!.Reference == "MedicationRequest/sample-mr-cote-2" && e.Role!.Code == "4");
        var patient = events.Single(e => e.PatientEntities().Contains($"Patient/{Tremblay}"));
        patient.PatientEntities().Should().Equal($"Patient/{Tremblay}");

        var byPatient = await fixture.AuditEventsAsync($"patient={Tremblay}&agent={subject}");
        byPatient.Select(e => e.Id).Should().Equal(patient.Id);
    }

    [Fact]
    public async Task The_agent_carries_sub_fhirUser_client_establishment_and_address()
    {
        var (client, subject) = NewClinician("MCQ");
        using var owned = client;
        (await client.GetAsync($"fhir/Patient/{Gagnon}")).StatusCode.Should().Be(HttpStatusCode.OK);

        var audit = (await fixture.AuditEventsAsync($"agent={subject}")).Should().ContainSingle().Subject;
        var user = audit.Agent!.Single(a => a.Requestor == true);
        user.Who!.Identifier!.System.Should().Be("urn:dsn:subject");
        user.Who.Identifier.Value.Should().Be(subject);
        user.Who.Reference.Should().Be("Practitioner/95112");
        user.Network!.Address.Should().Be("127.0.0.1");
        user.Policy.Should().Contain("user/*.cruds");
        user.Role!.Single().Coding!.Single().Code.Should().Be("clinician");
        audit.Agent!.Should().Contain(a => a.Who!.Identifier != null && a.Who.Identifier.System == "urn:dsn:client-id" && a.Who.Identifier.Value == "test-app");
        audit.Agent!.Should().Contain(a => a.Who!.Identifier != null && a.Who.Identifier.System == "urn:dsn:establishment" && a.Who.Identifier.Value == "MCQ");
        audit.Source!.Observer!.Display.Should().NotBeNullOrEmpty();
    }

    [Fact]
    public async Task A_refused_request_is_audited_as_a_failure_and_flagged()
    {
        var (client, subject) = NewClinician();
        using var owned = client;
        (await client.GetAsync($"fhir/Patient/{Gagnon}")).StatusCode.Should().Be(HttpStatusCode.Forbidden);

        var audit = (await fixture.AuditEventsAsync($"agent={subject}&outcome=4")).Should().ContainSingle().Subject;
        audit.Outcome.Should().Be(AuditEvent.AuditEventOutcome.N4);
        audit.OutcomeDesc.Should().StartWith("HTTP 403");
        audit.IsFlagged().Should().BeTrue();
        audit.Subtype!.Single().Code.Should().Be("read");
        audit.PatientEntities().Should().Equal($"Patient/{Gagnon}");
        (await fixture.AuditEventsAsync($"agent={subject}&outcome=0")).Should().BeEmpty();
    }

    [Fact]
    public async Task A_search_posted_as_a_form_is_audited_with_the_forms_parameters()
    {
        var (client, subject) = NewClinician();
        using var owned = client;
        using var response = await client.PostAsync("fhir/Patient/_search?_count=5",
            new FormUrlEncodedContent([KeyValuePair.Create("family", "Tremblay")]));
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());

        var audit = (await fixture.AuditEventsAsync($"agent={subject}")).Should().ContainSingle().Subject;
        audit.QueryOf().Should().Contain("_count=5").And.Contain("family=Tremblay");
        audit.PatientEntities().Should().Contain($"Patient/{Tremblay}");
    }

    [Fact]
    public async Task A_scope_refusal_and_an_unauthenticated_request_are_audited_too()
    {
        var subject = Unique("dr.scope.");
        using var client = fixture.ClientWith(fixture.Token("clinician", "user/Patient.r", "NIM", subject));
        (await client.GetAsync("fhir/Patient?family=Tremblay")).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        var audit = (await fixture.AuditEventsAsync($"agent={subject}")).Should().ContainSingle().Subject;
        audit.Outcome.Should().Be(AuditEvent.AuditEventOutcome.N4);
        audit.OutcomeDesc.Should().Contain("user/Patient.s");
        audit.QueryOf().Should().Contain("family=Tremblay", "the refused search is described");

        var before = (await SearchAsync(fixture.PrivacyOfficer(), "fhir/AuditEvent?_tag=urn:dsn:audit|flagged&_count=0")).Total;
        using var anonymous = new HttpClient { BaseAddress = fixture.BaseUri };
        (await anonymous.GetAsync($"fhir/Patient/{Tremblay}")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        var after = (await SearchAsync(fixture.PrivacyOfficer(), "fhir/AuditEvent?_tag=urn:dsn:audit|flagged&_count=0")).Total;
        after.Should().BeGreaterThan(before!.Value);
    }

    [Fact]
    public async Task A_create_is_audited_with_its_patient()
    {
        var (client, subject) = NewClinician();
        using var owned = client;
        var patient = await CreateAsync(client, NewPatient(NimMrn, out _));
        var order = await CreateAsync(client, NewOrder(patient.Id!));

        var events = await fixture.AuditEventsAsync($"agent={subject}");
        events.Should().HaveCount(2).And.OnlyContain(e => e.Action == AuditEvent.AuditEventAction.C && e.Outcome == AuditEvent.AuditEventOutcome.N0);
        events.Should().OnlyContain(e => e.PatientEntities().SequenceEqual(new[] { "Patient/" + patient.Id }));
        events.Select(e => e.Agent!.Single(a => a.Requestor == true).Type!.Coding!.Single().Code).Should().OnlyContain(c => c == "AUT");
        order.Id.Should().NotBeNullOrEmpty();
    }

    [Fact]
    public async Task A_create_names_the_resource_it_created()
    {
        var (client, subject) = NewClinician();
        using var owned = client;
        var order = await CreateAsync(client, NewOrder(Tremblay));

        var audit = (await fixture.AuditEventsAsync($"agent={subject}")).Should().ContainSingle().Subject;
        DomainResources(audit).Should().Contain("MedicationRequest/" + order.Id, "BALP Create: the entity is the resource created");
    }

    [Fact]
    public async Task A_write_answered_without_a_body_still_names_its_patient()
    {
        var (client, subject) = NewClinician();
        using var owned = client;
        var created = await WriteMinimalAsync(client, HttpMethod.Post, "fhir/Patient", NewPatient(NimMrn, out var mrn), HttpStatusCode.Created);
        var id = created.Headers.Location!.AbsolutePath.Split('/')[^3];
        var patient = NewPatient(NimMrn, out _);
        patient.Id = id;
        patient.Identifier = [new Identifier { System = NimMrn, Value = mrn }];
        await WriteMinimalAsync(client, HttpMethod.Put, $"fhir/Patient/{id}", patient, HttpStatusCode.OK);

        var events = await fixture.AuditEventsAsync($"agent={subject}");
        events.Should().HaveCount(2);
        events.Should().OnlyContain(e => e.PatientEntities().SequenceEqual(new[] { "Patient/" + id }), "the patient written is a patient touched");
        foreach (var audit in events) DomainResources(audit).Should().Equal("Patient/" + id);
        (await fixture.AuditEventsAsync($"agent={subject}&patient={id}")).Should().HaveCount(2);
    }

    [Fact]
    public async Task Deleting_an_order_or_moving_it_to_another_patient_names_every_patient_it_touched()
    {
        var (client, subject) = NewClinician();
        using var owned = client;
        var first = await CreateAsync(client, NewPatient(NimMrn, out _));
        var second = await CreateAsync(client, NewPatient(NimMrn, out _));
        var order = await CreateAsync(client, NewOrder(first.Id!));

        order.Subject = new ResourceReference("Patient/" + second.Id);
        await WriteMinimalAsync(client, HttpMethod.Put, $"fhir/MedicationRequest/{order.Id}", order, HttpStatusCode.OK);
        using (var deleted = await client.DeleteAsync($"fhir/MedicationRequest/{order.Id}"))
            deleted.IsSuccessStatusCode.Should().BeTrue(await deleted.Content.ReadAsStringAsync());

        var events = await fixture.AuditEventsAsync($"agent={subject}&_count=10");
        var moved = events.Single(e => e.Action == AuditEvent.AuditEventAction.U);
        moved.PatientEntities().Should().BeEquivalentTo(["Patient/" + first.Id, "Patient/" + second.Id], "the order left one patient for the other");
        var removal = events.Single(e => e.Action == AuditEvent.AuditEventAction.D);
        removal.PatientEntities().Should().Equal("Patient/" + second.Id);
        (await fixture.AuditEventsAsync($"agent={subject}&patient={first.Id}")).Select(e => e.Action).Should().Contain(AuditEvent.AuditEventAction.U);
    }

    private static IEnumerable<string?> DomainResources(AuditEvent audit) =>
        audit.Entity!.Where(e => e.Role?.Code == "4").Select(e => e.What?.Reference);

    private static async Task<HttpResponseMessage> WriteMinimalAsync(HttpClient client, HttpMethod method, string url, Resource resource, HttpStatusCode expected)
    {
        var request = new HttpRequestMessage(method, url) { Content = GatewayFixture.Json(resource) };
        request.Headers.TryAddWithoutValidation("Prefer", "return=minimal");
        var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(expected, body);
        body.Should().BeEmpty("return=minimal: the answer names the resource only in its headers");
        return response;
    }

    [Fact]
    public async Task An_audit_event_read_back_is_the_stored_FHIR_resource()
    {
        var (client, subject) = NewClinician();
        using var owned = client;
        (await client.GetAsync($"fhir/Patient/{Cote}")).StatusCode.Should().Be(HttpStatusCode.OK);
        var audit = (await fixture.AuditEventsAsync($"agent={subject}")).Single();

        using var officer = fixture.PrivacyOfficer();
        var read = FhirJson.Parse<AuditEvent>(await officer.GetStringAsync($"fhir/AuditEvent/{audit.Id}"));
        FhirJson.Serialize(read).Should().Be(FhirJson.Serialize(audit));
        read.Entity!.Should().Contain(e => e.Type!.Code == "XrequestId");
    }
}
