using System.Text;
using DsnGateway.Fhir.Model;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;

namespace DsnGateway.RecordStore.Tests.Http;

/// <summary>Every failure is an OperationOutcome with the right status and a diagnostic a client can act on.</summary>
public class ErrorStatusTests : IClassFixture<RecordStoreFixture>
{
    private readonly RecordStoreFixture _store;

    public ErrorStatusTests(RecordStoreFixture store) => _store = store;

    private static string PatientJson(string value, string extra = "") =>
        $$"""{"resourceType":"Patient","identifier":[{"system":"{{Fhir.MrnSystem}}","value":"{{value}}"}]{{extra}}}""";

    // ---- 400 ----

    [Fact]
    public async Task Malformed_json_is_400()
    {
        var value = Fhir.UniqueValue();
        var (status, body, response) = await _store.SendAsync(Fhir.RawRequest(HttpMethod.Post, "Patient", PatientJson(value)[..^5]));

        status.Should().Be(400);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/fhir+json");
        body.ShouldBeOutcome("not valid JSON").Code.Should().Be(OperationOutcome.IssueType.Invalid);
        (await _store.SearchByIdentifierAsync(value)).Total.Should().Be(0);
    }

    [Fact]
    public async Task An_unknown_element_is_400_naming_its_path()
    {
        var value = Fhir.UniqueValue();
        var (status, body, _) = await _store.SendAsync(Fhir.RawRequest(HttpMethod.Post, "Patient", PatientJson(value, ",\"foo\":1")));

        status.Should().Be(400);
        var issue = body.ShouldBeOutcome("foo");
        issue.Code.Should().Be(OperationOutcome.IssueType.Invalid);
        issue.Expression.Should().ContainSingle().Which.Should().Be("Patient.foo");
        (await _store.SearchByIdentifierAsync(value)).Total.Should().Be(0);
    }

    [Fact]
    public async Task A_nested_unknown_element_is_400_naming_the_full_path()
    {
        var (status, body, _) = await _store.SendAsync(Fhir.RawRequest(HttpMethod.Post, "Patient",
            PatientJson(Fhir.UniqueValue(), ",\"name\":[{\"family\":\"Roy\",\"nickname\":\"Bob\"}]")));

        status.Should().Be(400);
        var issue = body.ShouldBeOutcome("nickname");
        issue.Expression!.Single().Should().Be("Patient.name[0].nickname");
    }

    [Fact]
    public async Task A_body_of_another_type_than_the_url_is_400()
    {
        var (status, body, _) = await _store.SendAsync(Fhir.Request(HttpMethod.Post, "Patient", Fhir.Procedure("Patient/x")));

        status.Should().Be(400);
        body.ShouldBeOutcome("Procedure", "Patient");
    }

    [Fact]
    public async Task An_update_whose_body_is_another_type_is_400()
    {
        var created = await _store.CreateAsync(Fhir.Patient(Fhir.UniqueValue()));
        var procedure = Fhir.Procedure($"Patient/{created.Id}");
        procedure.Id = created.Id;

        var (status, body, _) = await _store.SendAsync(Fhir.Request(HttpMethod.Put, $"Patient/{created.Id}", procedure));

        status.Should().Be(400);
        body.ShouldBeOutcome("Procedure", "Patient");
    }

    [Fact]
    public async Task An_update_without_an_id_in_the_body_is_400()
    {
        var created = await _store.CreateAsync(Fhir.Patient(Fhir.UniqueValue()));
        created.Id = null;

        var (status, body, _) = await _store.SendAsync(Fhir.Request(HttpMethod.Put, $"Patient/{Fhir.UniqueValue()}", created));

        status.Should().Be(400);
        body.ShouldBeOutcome("id").Expression.Should().Contain("Patient.id");
    }

    [Fact]
    public async Task An_update_whose_body_id_differs_from_the_url_is_400()
    {
        var created = await _store.CreateAsync(Fhir.Patient(Fhir.UniqueValue()));

        var (status, body, _) = await _store.SendAsync(Fhir.Request(HttpMethod.Put, $"Patient/other-{Fhir.UniqueValue()}", created));

        status.Should().Be(400);
        body.ShouldBeOutcome(created.Id!);
    }

    [Fact]
    public async Task An_unknown_search_parameter_is_400_naming_it()
    {
        var (status, body, _) = await _store.SendAsync(Fhir.Request(HttpMethod.Get, "Patient?shoe-size=42"));

        status.Should().Be(400);
        body.ShouldBeOutcome("shoe-size");
    }

    [Fact]
    public async Task An_empty_body_is_400()
    {
        var (status, body, _) = await _store.SendAsync(Fhir.RawRequest(HttpMethod.Post, "Patient", ""));

        status.Should().Be(400);
        body.ShouldBeOutcome("body");
    }

    // ---- 404 ----

    [Fact]
    public async Task An_unknown_id_is_404()
    {
        var id = Fhir.UniqueValue();
        var (status, body, _) = await _store.SendAsync(Fhir.Request(HttpMethod.Get, $"Patient/{id}"));

        status.Should().Be(404);
        body.ShouldBeOutcome(id).Code.Should().Be(OperationOutcome.IssueType.NotFound);
    }

    [Theory]
    [InlineData("GET", "Observation/1")]
    [InlineData("GET", "Observation")]
    [InlineData("POST", "Observation")]
    [InlineData("DELETE", "Observation/1")]
    public async Task An_unknown_resource_type_is_404(string method, string url)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), url);
        if (method == "POST") request.Content = RecordStoreFixture.Json("""{"resourceType":"Patient"}""");

        var (status, body, _) = await _store.SendAsync(request);

        status.Should().Be(404);
        body.ShouldBeOutcome("Observation");
    }

    [Fact]
    public async Task Delete_of_an_unknown_id_is_404()
    {
        var (status, body, _) = await _store.SendAsync(Fhir.Request(HttpMethod.Delete, $"Patient/{Fhir.UniqueValue()}"));

        status.Should().Be(404);
        body.ShouldBeOutcome();
    }

    // ---- 405 ----

    [Theory]
    [InlineData("DELETE", "Patient")]
    [InlineData("PATCH", "Patient/1")]
    [InlineData("POST", "Patient/1")]
    [InlineData("PUT", "Patient")]
    [InlineData("PUT", "metadata")]
    public async Task A_method_the_path_does_not_support_is_405(string method, string url)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), url);
        if (method is "POST" or "PUT" or "PATCH") request.Content = RecordStoreFixture.Json(Fhir.Patient(Fhir.UniqueValue(), id: "1"));

        var (status, body, _) = await _store.SendAsync(request);

        status.Should().Be(405);
        body.ShouldBeOutcome(method).Code.Should().Be(OperationOutcome.IssueType.NotSupported);
    }

    // ---- 409 ----

    [Fact]
    public async Task Deleting_a_patient_an_order_refers_to_is_409_and_keeps_it()
    {
        var patient = await _store.CreateAsync(Fhir.Patient(Fhir.UniqueValue()));
        var order = await _store.CreateAsync(Fhir.MedicationRequest($"Patient/{patient.Id}"));

        var (status, body, _) = await _store.SendAsync(Fhir.Request(HttpMethod.Delete, $"Patient/{patient.Id}"));

        status.Should().Be(409);
        body.ShouldBeOutcome($"MedicationRequest/{order.Id}").Code.Should().Be(OperationOutcome.IssueType.Conflict);
        (await _store.SendAsync(Fhir.Request(HttpMethod.Get, $"Patient/{patient.Id}"))).Status.Should().Be(200);
    }

    [Fact]
    public async Task Deleting_a_patient_whose_orders_are_deleted_succeeds()
    {
        var patient = await _store.CreateAsync(Fhir.Patient(Fhir.UniqueValue()));
        var order = await _store.CreateAsync(Fhir.MedicationRequest($"Patient/{patient.Id}"));
        (await _store.SendAsync(Fhir.Request(HttpMethod.Delete, $"MedicationRequest/{order.Id}"))).Status.Should().Be(204);

        (await _store.SendAsync(Fhir.Request(HttpMethod.Delete, $"Patient/{patient.Id}"))).Status.Should().Be(204);
    }

    [Fact]
    public async Task A_conditional_update_whose_body_id_names_an_existing_non_matching_resource_is_409()
    {
        var other = await _store.CreateAsync(Fhir.Patient(Fhir.UniqueValue(), "Autre"));
        var value = Fhir.UniqueValue();

        var (status, body, _) = await _store.SendAsync(
            Fhir.Request(HttpMethod.Put, "Patient?" + Fhir.IdentifierQuery(value), Fhir.Patient(value, "Pirate", id: other.Id)));

        status.Should().Be(409);
        body.ShouldBeOutcome(other.Id!);
        var (_, read, _) = await _store.SendAsync(Fhir.Request(HttpMethod.Get, $"Patient/{other.Id}"));
        ((Patient)read!).Name![0].Family.Should().Be("Autre");
        (await _store.SearchByIdentifierAsync(value)).Total.Should().Be(0);
    }

    // ---- 410 ----

    [Fact]
    public async Task Reading_a_deleted_resource_is_410()
    {
        var patient = await _store.CreateAsync(Fhir.Patient(Fhir.UniqueValue()));
        (await _store.SendAsync(Fhir.Request(HttpMethod.Delete, $"Patient/{patient.Id}"))).Status.Should().Be(204);

        var (status, body, _) = await _store.SendAsync(Fhir.Request(HttpMethod.Get, $"Patient/{patient.Id}"));
        var (vreadStatus, vreadBody, _) = await _store.SendAsync(Fhir.Request(HttpMethod.Get, $"Patient/{patient.Id}/_history/2"));

        status.Should().Be(410);
        body.ShouldBeOutcome("deleted").Code.Should().Be(OperationOutcome.IssueType.Deleted);
        vreadStatus.Should().Be(410);
        vreadBody.ShouldBeOutcome();
    }

    // ---- 412 ----

    [Fact]
    public async Task Stale_if_match_is_412()
    {
        var patient = await _store.CreateAsync(Fhir.Patient(Fhir.UniqueValue()));

        var (status, body, _) = await _store.SendAsync(Fhir.Request(HttpMethod.Put, $"Patient/{patient.Id}", patient, ("If-Match", "W/\"7\"")));

        status.Should().Be(412);
        body.ShouldBeOutcome("W/\"7\"");
    }

    [Fact]
    public async Task If_none_exist_matching_several_is_412()
    {
        var value = Fhir.UniqueValue();
        await _store.CreateAsync(Fhir.Patient(value));
        await _store.CreateAsync(Fhir.Patient(value));

        var (status, body, _) = await _store.SendAsync(
            Fhir.Request(HttpMethod.Post, "Patient", Fhir.Patient(value), ("If-None-Exist", Fhir.IdentifierQuery(value))));

        status.Should().Be(412);
        body.ShouldBeOutcome("If-None-Exist");
    }

    // ---- 400: what Firely's strict parse refuses (each problem named at its element path, nothing stored) ----

    /// <summary>Bodies the store once read leniently (dropping or keeping what it did not understand) and now refuses.</summary>
    public static TheoryData<string, string, string, string> InvalidPatients() => new()
    {
        // name, extra JSON, expected expression, a fragment of the diagnostics
        { "unknown element", ",\"shoeSize\":42", "Patient.shoeSize", "shoeSize" },
        { "empty string", ",\"name\":[{\"family\":\"\"}]", "Patient.name[0].family", "''" },
        { "code outside its required value set", ",\"gender\":\"xx\"", "Patient.gender", "xx" },
        { "impossible date", ",\"birthDate\":\"1985-13-45\"", "Patient.birthDate", "1985-13-45" },
        { "two variants of one choice element", ",\"deceasedBoolean\":true,\"deceasedDateTime\":\"2020-01-02\"", "Patient", "deceased" },
        { "wrong JSON type", ",\"active\":\"true\"", "Patient.active", "boolean" },
    };

    [Theory]
    [MemberData(nameof(InvalidPatients))]
    public async Task An_invalid_resource_is_400_with_its_element_path_and_is_not_stored(string problem, string extra, string expression, string fragment)
    {
        var value = Fhir.UniqueValue();

        var (status, body, _) = await _store.SendAsync(Fhir.RawRequest(HttpMethod.Post, "Patient", PatientJson(value, extra)));

        status.Should().Be(400, problem);
        var issue = body.ShouldBeOutcome(fragment);
        issue.Code.Should().Be(OperationOutcome.IssueType.Invalid);
        issue.Expression.Should().ContainSingle().Which.Should().Be(expression);
        (await _store.SearchByIdentifierAsync(value)).Total.Should().Be(0, "nothing of a refused body is stored");
    }

    [Theory]
    [MemberData(nameof(InvalidPatients))]
    public async Task An_invalid_update_is_400_and_the_current_version_stays(string problem, string extra, string expression, string fragment)
    {
        var value = Fhir.UniqueValue();
        var created = await _store.CreateAsync(Fhir.Patient(value));
        var json = $$"""{"resourceType":"Patient","id":"{{created.Id}}","identifier":[{"system":"{{Fhir.MrnSystem}}","value":"{{value}}"}]{{extra}}}""";

        var (status, body, _) = await _store.SendAsync(Fhir.RawRequest(HttpMethod.Put, $"Patient/{created.Id}", json));

        status.Should().Be(400, problem);
        body.ShouldBeOutcome(fragment).Expression.Should().ContainSingle().Which.Should().Be(expression);
        var (_, read, _) = await _store.SendAsync(Fhir.Request(HttpMethod.Get, $"Patient/{created.Id}"));
        read!.Meta!.VersionId.Should().Be("1");
    }

    [Fact]
    public async Task Every_problem_of_a_body_is_its_own_issue()
    {
        var value = Fhir.UniqueValue();

        var (status, body, _) = await _store.SendAsync(Fhir.RawRequest(HttpMethod.Post, "Patient",
            PatientJson(value, ",\"gender\":\"xx\",\"birthDate\":\"1985-13-45\"")));

        status.Should().Be(400);
        var outcome = body.Should().BeOfType<OperationOutcome>().Subject;
        outcome.Issue.SelectMany(i => i.Expression).Should().BeEquivalentTo(["Patient.gender", "Patient.birthDate"]);
        outcome.Issue.Should().OnlyContain(i => i.Severity == OperationOutcome.IssueSeverity.Error && i.Code == OperationOutcome.IssueType.Invalid);
    }

    [Fact]
    public async Task A_medication_request_without_subject_is_400_naming_it()
    {
        var order = Fhir.MedicationRequest("Patient/x");
        order.Subject = null!;

        var (status, body, _) = await _store.SendAsync(Fhir.Request(HttpMethod.Post, "MedicationRequest", order));

        status.Should().Be(400, "R4 requires MedicationRequest.subject (1..1), which the strict parse checks");
        body.ShouldBeOutcome("subject").Expression.Should().Contain("MedicationRequest.subject");
    }

    [Fact]
    public async Task A_medication_request_without_status_is_400_naming_it()
    {
        var patient = await _store.CreateAsync(Fhir.Patient(Fhir.UniqueValue()));

        var (status, body, _) = await _store.SendAsync(Fhir.Request(HttpMethod.Post, "MedicationRequest", Fhir.MedicationRequest($"Patient/{patient.Id}", status: null)));

        status.Should().Be(400);
        body.ShouldBeOutcome("status").Expression.Should().Contain("MedicationRequest.status");
        (await _store.SearchAsync($"MedicationRequest?patient={patient.Id}")).Total.Should().Be(0);
    }

    [Fact]
    public async Task A_medication_request_with_an_unknown_status_code_is_400()
    {
        var patient = await _store.CreateAsync(Fhir.Patient(Fhir.UniqueValue()));
        var json = $$$"""
            {"resourceType":"MedicationRequest","status":"bogus","intent":"order","subject":{"reference":"Patient/{{{patient.Id}}}"},
             "medicationCodeableConcept":{"coding":[{"system":"http://hl7.org/fhir/NamingSystem/ca-hc-din","code":"02242903"}]}}
            """;

        var (status, body, _) = await _store.SendAsync(Fhir.RawRequest(HttpMethod.Post, "MedicationRequest", json));

        status.Should().Be(400);
        body.ShouldBeOutcome("bogus").Expression.Should().ContainSingle().Which.Should().Be("MedicationRequest.status");
        (await _store.SearchAsync($"MedicationRequest?patient={patient.Id}")).Total.Should().Be(0);
    }

    [Fact]
    public async Task A_patient_with_an_impossible_birth_date_is_400()
    {
        var value = Fhir.UniqueValue();
        var patient = Fhir.Patient(value);
        patient.BirthDate = "1985-13-01";

        var (status, body, _) = await _store.SendAsync(Fhir.Request(HttpMethod.Post, "Patient", patient));

        status.Should().Be(400);
        body.ShouldBeOutcome("1985-13-01").Expression.Should().Contain("Patient.birthDate");
        (await _store.SearchByIdentifierAsync(value)).Total.Should().Be(0);
    }

    // ---- 422 ----

    [Fact]
    public async Task A_reference_to_a_patient_that_does_not_exist_is_422()
    {
        var (status, body, _) = await _store.SendAsync(
            Fhir.Request(HttpMethod.Post, "MedicationRequest", Fhir.MedicationRequest("Patient/does-not-exist")));

        status.Should().Be(422);
        body.ShouldBeOutcome("Patient/does-not-exist");
    }

    [Fact]
    public async Task A_reference_to_a_deleted_patient_is_422()
    {
        var patient = await _store.CreateAsync(Fhir.Patient(Fhir.UniqueValue()));
        (await _store.SendAsync(Fhir.Request(HttpMethod.Delete, $"Patient/{patient.Id}"))).Status.Should().Be(204);

        var (status, body, _) = await _store.SendAsync(
            Fhir.Request(HttpMethod.Post, "MedicationRequest", Fhir.MedicationRequest($"Patient/{patient.Id}")));

        status.Should().Be(422);
        body.ShouldBeOutcome($"Patient/{patient.Id}");
    }

    [Fact]
    public async Task A_urn_reference_outside_a_transaction_is_422()
    {
        var (status, body, _) = await _store.SendAsync(
            Fhir.Request(HttpMethod.Post, "MedicationRequest", Fhir.MedicationRequest(Fhir.NewUrn())));

        status.Should().Be(422);
        body.ShouldBeOutcome("transaction");
    }

    // ---- 415, 413 ----

    [Theory]
    [InlineData("application/fhir+xml")]
    [InlineData("application/xml")]
    [InlineData("text/plain")]
    public async Task A_non_json_content_type_is_415(string contentType)
    {
        var value = Fhir.UniqueValue();
        var (status, body, _) = await _store.SendAsync(Fhir.RawRequest(HttpMethod.Post, "Patient",
            $"<Patient xmlns=\"http://hl7.org/fhir\"><identifier><value value=\"{value}\"/></identifier></Patient>", contentType));

        status.Should().Be(415);
        body.ShouldBeOutcome("application/fhir+json").Code.Should().Be(OperationOutcome.IssueType.NotSupported);
        (await _store.SearchByIdentifierAsync(value)).Total.Should().Be(0);
    }

    [Fact]
    public async Task A_body_over_the_size_limit_is_413()
    {
        // Just over the default 32 MiB limit. With Expect: 100-continue (what a client uploading a large body
        // sends) the store refuses on the Content-Length alone and the body is never sent.
        var padding = new string('a', 32 * 1024 * 1024 + 1);
        var json = new StringBuilder().Append("{\"resourceType\":\"Patient\",\"id\":\"").Append(padding).Append("\"}").ToString();
        var request = Fhir.RawRequest(HttpMethod.Post, "Patient", json);
        request.Headers.ExpectContinue = true;

        var (status, body, _) = await _store.SendAsync(request);

        status.Should().Be(413);
        body.ShouldBeOutcome("bytes").Code.Should().Be(OperationOutcome.IssueType.TooCostly);
    }

    [Fact]
    public async Task A_body_under_the_configured_limit_but_over_the_web_servers_default_is_read_whole()
    {
        // 31,000,000 bytes: above Kestrel's own 30,000,000-byte default, below the store's 32 MiB. The unknown
        // element sits after the padding, so a 400 naming it proves the whole body was read.
        var json = new StringBuilder().Append("{\"resourceType\":\"Patient\",").Append(' ', 31_000_000).Append("\"padding\":1}").ToString();

        var (status, body, _) = await _store.SendAsync(Fhir.RawRequest(HttpMethod.Post, "Patient", json));

        status.Should().Be(400);
        body.ShouldBeOutcome("padding");
    }
}
