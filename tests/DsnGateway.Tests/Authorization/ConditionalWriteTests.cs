using System.Net;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using DsnGateway.Fhir.Serialization;
using static DsnGateway.Tests.Authorization.AccessKit;

namespace DsnGateway.Tests.Authorization;

/// <summary>
/// Conditional writes reveal nothing (docs/arch/0020): a condition is exactly identifier=&lt;system&gt;|&lt;value&gt; with a
/// system of the caller's reach, anything else refused before it is evaluated, and the allowed one evaluated among the
/// records the caller may see. For every form, a condition matching a record the caller may not see is answered as one
/// matching nobody, and writes nothing the caller could not write without it.
/// </summary>
public class ConditionalWriteTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private const string Nam = "https://fhir.infoway-inforoute.ca/NamingSystem/ca-qc-patient-healthcare-id";

    /// <summary>A body the store refuses whole (an invalid date): the answer can only tell what the condition matched.</summary>
    private const string BodyThatWritesNothing = "{\"resourceType\":\"Patient\",\"identifier\":[{\"system\":\"urn:dsn:mrn:nim\",\"value\":\"X\"}],\"birthDate\":\"not-a-date\"}";

    private sealed record Answer(HttpStatusCode Status, string Body);

    private static string NimPatient(string mrn, string family = "Testeur") =>
        "{\"resourceType\":\"Patient\",\"identifier\":[{\"system\":\"" + NimMrn + "\",\"value\":\"" + mrn + "\"}],\"name\":[{\"family\":\"" + family + "\"}]}";

    private static string OrderJson(string patientId, string placer) =>
        "{\"resourceType\":\"MedicationRequest\",\"identifier\":[{\"system\":\"urn:dsn:order:nim:placer\",\"value\":\"" + placer + "\"}],\"status\":\"active\",\"intent\":\"order\",\"subject\":{\"reference\":\"Patient/" + patientId + "\"},\"medicationCodeableConcept\":{\"coding\":[{\"system\":\"http://hl7.org/fhir/NamingSystem/ca-hc-din\",\"code\":\"02242903\"}]}}";

    private static string ProcedureJson(string patientId, string number) =>
        "{\"resourceType\":\"Procedure\",\"identifier\":[{\"system\":\"urn:dsn:procedure:nim\",\"value\":\"" + number + "\"}],\"status\":\"completed\",\"code\":{\"coding\":[{\"system\":\"https://fhir.infoway-inforoute.ca/CodeSystem/cci\",\"code\":\"1VG53LA\"}]},\"subject\":{\"reference\":\"Patient/" + patientId + "\"}}";

    /// <summary>A conditional create (If-None-Exist) or a conditional update (PUT Type?condition).</summary>
    private static HttpRequestMessage Conditional(string form, string type, string condition, string json, string? breakGlass = null)
    {
        var request = form switch
        {
            "create" => new HttpRequestMessage(HttpMethod.Post, "fhir/" + type),
            "update" => new HttpRequestMessage(HttpMethod.Put, $"fhir/{type}?{condition}"),
            _ => throw new ArgumentOutOfRangeException(nameof(form)),
        };
        request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/fhir+json");
        if (form == "create") request.Headers.TryAddWithoutValidation("If-None-Exist", condition);
        if (breakGlass is not null) request.Headers.TryAddWithoutValidation("X-Break-Glass", breakGlass);
        return request;
    }

    private static async Task<Answer> SendAsync(HttpClient client, HttpRequestMessage request)
    {
        using (request)
        using (var response = await client.SendAsync(request))
            return new Answer(response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task<int> CountWithBreakGlassAsync(string query)
    {
        using var clinician = fixture.Clinician("NIM");
        return (await SearchAsync(clinician, $"fhir/{query}&_summary=count", "verification du test")).Total ?? -1;
    }

    /// <summary>Conditions that name something other than one identifier of the caller's establishment, each with a twin matching nobody.</summary>
    public static TheoryData<string, string, string, string> RefusedConditions()
    {
        var nobody = Unique("NOBODY");
        var data = new TheoryData<string, string, string, string>();
        foreach (var form in new[] { "create", "update" })
        {
            data.Add(form, "Patient", $"identifier={McqMrn}|MCQ000201", $"identifier={McqMrn}|{nobody}");
            data.Add(form, "Patient", $"identifier={Nam}|GAGM72110321", $"identifier={Nam}|ZZZZ{nobody}");
            data.Add(form, "Patient", "name=Gagnon", $"name={nobody}");
            data.Add(form, "Patient", $"_id={Gagnon}", $"_id={nobody.ToLowerInvariant()}");
            data.Add(form, "Patient", "identifier=MCQ000201", $"identifier={nobody}");
            data.Add(form, "Patient", $"identifier:not={NimMrn}|{nobody}", $"identifier:not={NimMrn}|NIM000101");
            data.Add(form, "Patient", $"identifier={NimMrn}|{nobody},{McqMrn}|MCQ000201", $"identifier={NimMrn}|{nobody},{McqMrn}|{nobody}");
            data.Add(form, "Patient", $"identifier={NimMrn}|{nobody}&birthdate=1972-11-03", $"identifier={NimMrn}|{nobody}&birthdate=1901-01-01");
            data.Add(form, "Patient", $"link:Patient.identifier={McqMrn}|MCQ000201", $"link:Patient.identifier={McqMrn}|{nobody}");
            data.Add(form, "MedicationRequest", "identifier=urn:dsn:order:mcq:placer|MCQ-RX-2001", $"identifier=urn:dsn:order:mcq:placer|{nobody}");
            data.Add(form, "MedicationRequest", $"patient.identifier={McqMrn}|MCQ000201", $"patient.identifier={McqMrn}|{nobody}");
            data.Add(form, "Procedure", "identifier=urn:dsn:procedure:mcq|MCQ-OR-3001", $"identifier=urn:dsn:procedure:mcq|{nobody}");
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(RefusedConditions))]
    public async Task A_condition_outside_the_one_allowed_form_is_refused_alike_whether_it_matches_a_hidden_record_or_nobody(string form, string type, string hidden, string nobody)
    {
        using var client = fixture.Clinician("NIM", "user/*.cruds");
        var mrn = Unique("N");
        var (body, system) = type switch
        {
            "Patient" => (NimPatient(mrn), NimMrn),
            "MedicationRequest" => (OrderJson(Tremblay, mrn), "urn:dsn:order:nim:placer"),
            _ => (ProcedureJson(Tremblay, mrn), "urn:dsn:procedure:nim"),
        };
        foreach (var json in new[] { body, BodyThatWritesNothing.Replace("Patient", type, StringComparison.Ordinal) })
        {
            var matching = await SendAsync(client, Conditional(form, type, hidden, json));
            var matchingNobody = await SendAsync(client, Conditional(form, type, nobody, json));
            matching.Should().Be(matchingNobody, "the answer must not depend on a record the caller may not see");
            matching.Status.Should().Be(HttpStatusCode.BadRequest, matching.Body);
            var outcome = FhirJson.Parse<OperationOutcome>(matching.Body);
            outcome.Diagnostics().Should().Contain("identifier=<system>|<value>").And.Contain(type == "Patient" ? NimMrn : "urn:dsn:")
                .And.NotContain("MCQ000201").And.NotContain("Gagnon");
        }
        (await CountWithBreakGlassAsync($"{type}?identifier={system}|{mrn}")).Should().Be(0, "a refused condition writes nothing");
    }

    [Theory]
    [InlineData("create")]
    [InlineData("update")]
    public async Task An_allowed_condition_matching_a_restricted_patient_is_answered_as_one_matching_nobody(string form)
    {
        using var clinician = fixture.Clinician("NIM");
        using var admin = fixture.Admin();
        var hidden = await CreateAsync(clinician, NewPatient(NimMrn, out var hiddenMrn));
        (await admin.PostAsync($"admin/patients/{hidden.Id}/restricted", null)).StatusCode.Should().Be(HttpStatusCode.OK);
        var before = await ReadWithBreakGlassAsync(clinician, hidden.Id!);
        var fresh = Unique("N");

        // A body that writes nothing: the same refusal, from the store, either way.
        var nothingHidden = await SendAsync(clinician, Conditional(form, "Patient", $"identifier={NimMrn}|{hiddenMrn}", BodyThatWritesNothing));
        var nothingNobody = await SendAsync(clinician, Conditional(form, "Patient", $"identifier={NimMrn}|{fresh}", BodyThatWritesNothing));
        nothingHidden.Should().Be(nothingNobody);
        nothingHidden.Status.Should().Be(HttpStatusCode.BadRequest);

        // A body that writes: a new Patient either way (what a plain create would write), the restricted one untouched.
        var writesHidden = await SendAsync(clinician, Conditional(form, "Patient", $"identifier={NimMrn}|{hiddenMrn}", NimPatient(hiddenMrn, "Cache")));
        var writesNobody = await SendAsync(clinician, Conditional(form, "Patient", $"identifier={NimMrn}|{fresh}", NimPatient(fresh, "Cache")));
        writesHidden.Status.Should().Be(HttpStatusCode.Created, writesHidden.Body);
        writesNobody.Status.Should().Be(HttpStatusCode.Created, writesNobody.Body);
        var created = FhirJson.Parse<Patient>(writesHidden.Body);
        created.Id.Should().NotBe(hidden.Id);
        created.Meta?.Security.Should().BeNullOrEmpty();
        writesHidden.Body.Should().NotContain("Testeur", "nothing of the restricted record is answered");
        var after = await ReadWithBreakGlassAsync(clinician, hidden.Id!);
        after.Meta!.VersionId.Should().Be(before.Meta!.VersionId, "the restricted patient is not written");
        after.Name[0].Family.Should().Be("Testeur");
    }

    [Theory]
    [InlineData("create")]
    [InlineData("update")]
    public async Task An_allowed_condition_matching_an_order_of_a_patient_outside_the_relationship_is_answered_as_one_matching_nobody(string form)
    {
        using var clinician = fixture.Clinician("NIM");
        // A NIM placer number on an order of Gagnon, a patient known at MCQ only (written with break-the-glass).
        var placer = Unique("RX-");
        var hiddenOrder = new MedicationRequest
        {
            Identifier = [new Identifier { System = "urn:dsn:order:nim:placer", Value = placer }],
            Status = MedicationRequest.MedicationrequestStatus.Active,
            Intent = MedicationRequest.MedicationRequestIntent.Order,
            Medication = new CodeableConcept { Coding = [new Coding { System = "http://hl7.org/fhir/NamingSystem/ca-hc-din", Code = "02242903" }] },
            Subject = new ResourceReference("Patient/" + Gagnon),
        };
        var hidden = await CreateAsync(clinician, hiddenOrder, "mise en place du test");
        var fresh = Unique("RX-");

        var writesHidden = await SendAsync(clinician, Conditional(form, "MedicationRequest", $"identifier=urn:dsn:order:nim:placer|{placer}", OrderJson(Tremblay, placer)));
        var writesNobody = await SendAsync(clinician, Conditional(form, "MedicationRequest", $"identifier=urn:dsn:order:nim:placer|{fresh}", OrderJson(Tremblay, fresh)));
        writesHidden.Status.Should().Be(HttpStatusCode.Created, writesHidden.Body);
        writesNobody.Status.Should().Be(HttpStatusCode.Created, writesNobody.Body);
        FhirJson.Parse<MedicationRequest>(writesHidden.Body).Id.Should().NotBe(hidden.Id);
        writesHidden.Body.Should().NotContain(Gagnon);
        using var glass = await GetAsync(clinician, $"fhir/MedicationRequest/{hidden.Id}", "verification du test");
        FhirJson.Parse<MedicationRequest>(await glass.Content.ReadAsStringAsync()).Subject!.Reference.Should().Be("Patient/" + Gagnon, "the hidden order is not rewritten");
    }

    [Fact]
    public async Task A_conditional_update_body_id_naming_a_hidden_record_is_answered_as_one_naming_nothing()
    {
        using var clinician = fixture.Clinician("NIM");
        var condition = $"identifier={NimMrn}|{Unique("N")}";
        string WithId(string id) => NimPatient(Unique("N")).Replace("{\"resourceType\":\"Patient\",", "{\"resourceType\":\"Patient\",\"id\":\"" + id + "\",", StringComparison.Ordinal);
        var hidden = await SendAsync(clinician, Conditional("update", "Patient", condition, WithId(Gagnon)));
        var nothing = await SendAsync(clinician, Conditional("update", "Patient", condition, WithId(Unique("no-such-").ToLowerInvariant())));
        hidden.Should().Be(nothing);
        hidden.Status.Should().Be(HttpStatusCode.BadRequest);
        FhirJson.Parse<OperationOutcome>(hidden.Body).Diagnostics().Should().Contain("leaves the id out");
    }

    [Fact]
    public async Task Allowed_conditions_still_find_create_and_update()
    {
        using var client = fixture.Clinician("NIM", "user/*.cruds");
        var own = await SendAsync(client, Conditional("create", "Patient", $"identifier={NimMrn}|NIM000101", NimPatient(Unique("N"))));
        own.Status.Should().Be(HttpStatusCode.OK);
        own.Body.Should().Contain(Tremblay);

        var glass = await SendAsync(client, Conditional("create", "Patient", $"identifier={McqMrn}|MCQ000201", NimPatient(Unique("N")), "urgence"));
        glass.Status.Should().Be(HttpStatusCode.OK, glass.Body);
        glass.Body.Should().Contain(Gagnon);
        var byNam = await SendAsync(client, Conditional("create", "Patient", $"identifier={Nam}|GAGM72110321", NimPatient(Unique("N")), "urgence"));
        byNam.Status.Should().Be(HttpStatusCode.OK, byNam.Body);
        byNam.Body.Should().Contain(Gagnon);

        var mrn = Unique("N");
        var fresh = await SendAsync(client, Conditional("create", "Patient", $"identifier={NimMrn}|{mrn}", NimPatient(mrn)));
        fresh.Status.Should().Be(HttpStatusCode.Created);
        var id = FhirJson.Parse<Patient>(fresh.Body).Id!;

        var updated = await SendAsync(client, Conditional("update", "Patient", $"identifier={NimMrn}|{mrn}", NimPatient(mrn, "Renomme")));
        updated.Status.Should().Be(HttpStatusCode.OK, updated.Body);
        FhirJson.Parse<Patient>(updated.Body).Id.Should().Be(id);
        var withItsId = NimPatient(mrn, "Encore").Replace("{\"resourceType\":\"Patient\",", "{\"resourceType\":\"Patient\",\"id\":\"" + id + "\",", StringComparison.Ordinal);
        var again = await SendAsync(client, Conditional("update", "Patient", $"identifier={NimMrn}|{mrn}", withItsId));
        again.Status.Should().Be(HttpStatusCode.OK, again.Body);
        (await SearchAsync(client, $"fhir/Patient?identifier={NimMrn}|{mrn}")).Entry.Select(e => ((Patient)e.Resource!).Name[0].Family).Should().Equal("Encore");

        var placer = Unique("RX-");
        var order = await SendAsync(client, Conditional("update", "MedicationRequest", $"identifier=urn:dsn:order:nim:placer|{placer}", OrderJson(Tremblay, placer)));
        order.Status.Should().Be(HttpStatusCode.Created, order.Body);
        var found = await SendAsync(client, Conditional("create", "MedicationRequest", $"identifier=urn:dsn:order:nim:placer|{placer}", OrderJson(Tremblay, placer)));
        found.Status.Should().Be(HttpStatusCode.OK, found.Body);
    }

    [Theory]
    [InlineData("DELETE")]
    [InlineData("PATCH")]
    public async Task A_conditional_delete_or_patch_is_refused_alike_whatever_it_matches(string method)
    {
        using var client = fixture.Clinician("NIM", "user/*.cruds");
        var answers = new List<Answer>();
        foreach (var condition in new[] { $"identifier={McqMrn}|MCQ000201", $"identifier={NimMrn}|NIM000101", $"identifier={McqMrn}|{Unique("NOBODY")}" })
        {
            var request = new HttpRequestMessage(new HttpMethod(method), $"fhir/Patient?{condition}");
            if (method == "PATCH") request.Content = new StringContent("[]", System.Text.Encoding.UTF8, "application/json-patch+json");
            answers.Add(await SendAsync(client, request));
        }
        answers.Distinct().Should().ContainSingle("a conditional {0} is refused before its condition is evaluated", method);
        ((int)answers[0].Status).Should().BeInRange(400, 499);
        (await client.GetAsync($"fhir/Patient/{Tremblay}")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await GetAsync(client, $"fhir/Patient/{Gagnon}", "verification du test")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("transaction")]
    [InlineData("batch")]
    public async Task Conditions_inside_a_Bundle_are_refused_alike_whatever_they_match(string bundleType)
    {
        using var client = fixture.Clinician("NIM", "user/*.cruds");
        string Bundle(string mrn, string condition) => $$$"""
            {"resourceType":"Bundle","type":"{{{bundleType}}}","entry":[
              {"fullUrl":"urn:uuid:{{{Guid.NewGuid()}}}","resource":{{{NimPatient(mrn)}}},"request":{"method":"POST","url":"Patient","ifNoneExist":"{{{condition}}}"}},
              {"resource":{{{NimPatient(mrn)}}},"request":{"method":"PUT","url":"Patient?{{{condition}}}"}},
              {"resource":{"resourceType":"MedicationRequest","status":"active","intent":"order","medicationCodeableConcept":{"text":"x"},"subject":{"reference":"Patient?{{{condition}}}"}},"request":{"method":"POST","url":"MedicationRequest"}}]}
            """;
        var mrn = Unique("N");
        var answers = new List<Answer>();
        foreach (var condition in new[] { $"identifier={McqMrn}|MCQ000201", $"identifier={McqMrn}|{Unique("NOBODY")}" })
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "fhir/") { Content = new StringContent(Bundle(mrn, condition), System.Text.Encoding.UTF8, "application/fhir+json") };
            answers.Add(await SendAsync(client, request));
        }
        answers[0].Should().Be(answers[1]);
        answers[0].Status.Should().Be(HttpStatusCode.Forbidden);
        (await CountWithBreakGlassAsync($"Patient?identifier={NimMrn}|{mrn}")).Should().Be(0);
    }

    [Fact]
    public async Task A_system_sender_names_any_establishment_or_the_NAM_and_a_restricted_match_is_still_hidden()
    {
        await using var gateway = await OwnGateway.StartAsync(new Dictionary<string, string?> { ["Access:SystemMayUseFhirApi"] = "true" });
        using var system = gateway.Client("system", "system/Patient.cru", "NIM", "adt.nim", fhirUser: null);
        var byNam = await SendAsync(system, Conditional("create", "Patient", $"identifier={Nam}|GAGM72110321", NimPatient(Unique("N"))));
        byNam.Status.Should().Be(HttpStatusCode.OK, byNam.Body);
        byNam.Body.Should().Contain(Gagnon);
        var byName = await SendAsync(system, Conditional("create", "Patient", "name=Gagnon", NimPatient(Unique("N"))));
        byName.Status.Should().Be(HttpStatusCode.BadRequest, byName.Body);

        using var admin = gateway.Client("admin", "", null, "admin.test", fhirUser: null);
        (await admin.PostAsync($"admin/patients/{Gagnon}/restricted", null)).StatusCode.Should().Be(HttpStatusCode.OK);
        var hidden = await SendAsync(system, Conditional("create", "Patient", $"identifier={Nam}|GAGM72110321", BodyThatWritesNothing));
        var nobody = await SendAsync(system, Conditional("create", "Patient", $"identifier={Nam}|ZZZZ{Unique("")}", BodyThatWritesNothing));
        hidden.Should().Be(nobody);
        hidden.Status.Should().Be(HttpStatusCode.BadRequest);
    }

    private static async Task<Patient> ReadWithBreakGlassAsync(HttpClient client, string id)
    {
        using var response = await GetAsync(client, $"fhir/Patient/{id}", "verification du test");
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, body);
        return FhirJson.Parse<Patient>(body);
    }
}
