using DsnGateway.Fhir.Model;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;

namespace DsnGateway.RecordStore.Tests.Http;

public class TransactionTests : IClassFixture<RecordStoreFixture>
{
    private readonly RecordStoreFixture _store;

    public TransactionTests(RecordStoreFixture store) => _store = store;

    private static Bundle Transaction(params Bundle.EntryComponent[] entries) => new() { Type = Bundle.BundleType.Transaction, Entry = [.. entries] };

    private async Task<T> ReadAsync<T>(string relative) where T : Resource
    {
        var (status, body, _) = await _store.SendAsync(Fhir.Request(HttpMethod.Get, relative));
        status.Should().Be(200, $"{relative} should be readable");
        return (T)body!;
    }

    private static string IdFromLocation(Bundle.EntryComponent entry)
    {
        // "MedicationRequest/{id}/_history/1", relative or absolute
        var parts = entry.Response!.Location!.Split('/');
        return parts[^3];
    }

    [Fact]
    public async Task A_transaction_sent_twice_adds_no_version_the_second_time()
    {
        var value = Fhir.UniqueValue();
        var patientUrn = Fhir.NewUrn();
        var procedure = Fhir.Procedure(patientUrn);
        procedure.Identifier = [new Identifier { System = "urn:test:procedure", Value = value }];
        Bundle Send() => Transaction(
            Fhir.Entry(Fhir.Patient(value), "PUT", $"Patient?{Fhir.IdentifierQuery(value)}", patientUrn),
            Fhir.Entry(procedure, "PUT", $"Procedure?identifier=urn:test:procedure|{value}", Fhir.NewUrn()));

        var first = await _store.TransactionAsync(Send());
        var again = await _store.TransactionAsync(Send());

        again.Entry!.Select(e => e.Response!.Etag).Should().Equal(first.Entry!.Select(e => e.Response!.Etag), "an unchanged resource keeps its version");
        again.Entry!.Select(e => e.StatusCode()).Should().Equal(200, 200);
        var procedureId = IdFromLocation(first.Entry![1]);
        (await _store.SearchAsync($"Procedure/{procedureId}/_history")).Total.Should().Be(1);
        (await ReadAsync<Procedure>($"Procedure/{procedureId}")).Subject!.Reference.Should().StartWith("Patient/");
    }

    [Fact]
    public async Task Urn_uuid_references_are_rewritten_to_the_ids_the_entries_get()
    {
        var value = Fhir.UniqueValue();
        var patientUrn = Fhir.NewUrn();
        var bundle = Transaction(
            Fhir.Entry(Fhir.Patient(value), "POST", "Patient", patientUrn, ifNoneExist: Fhir.IdentifierQuery(value)),
            Fhir.Entry(Fhir.MedicationRequest(patientUrn), "POST", "MedicationRequest", Fhir.NewUrn()),
            Fhir.Entry(Fhir.Procedure(patientUrn), "POST", "Procedure", Fhir.NewUrn()));

        var response = await _store.TransactionAsync(bundle);

        response.Type.Should().Be(Bundle.BundleType.TransactionResponse);
        response.Entry.Should().HaveCount(3);
        response.Entry!.Select(e => e.StatusCode()).Should().Equal(201, 201, 201);
        response.Entry!.Should().OnlyContain(e => e.Response!.Location != null && e.Response.Etag == "W/\"1\"");

        var patients = await _store.SearchByIdentifierAsync(value);
        patients.Total.Should().Be(1);
        var patientId = patients.Entry![0].Resource!.Id;
        IdFromLocation(response.Entry![0]).Should().Be(patientId);

        var order = await ReadAsync<MedicationRequest>($"MedicationRequest/{IdFromLocation(response.Entry[1])}");
        order.Subject!.Reference.Should().Be($"Patient/{patientId}");
        var procedure = await ReadAsync<Procedure>($"Procedure/{IdFromLocation(response.Entry[2])}");
        procedure.Subject!.Reference.Should().Be($"Patient/{patientId}");
        (await _store.SearchAsync($"MedicationRequest?patient={patientId}")).Total.Should().Be(1);
    }

    [Fact]
    public async Task Entries_may_come_in_any_order_an_order_before_its_patient_is_fine()
    {
        var value = Fhir.UniqueValue();
        var patientUrn = Fhir.NewUrn();
        var bundle = Transaction(
            Fhir.Entry(Fhir.MedicationRequest(patientUrn), "POST", "MedicationRequest", Fhir.NewUrn()),
            Fhir.Entry(Fhir.Patient(value), "POST", "Patient", patientUrn));

        var response = await _store.TransactionAsync(bundle);

        response.Entry!.Select(e => e.StatusCode()).Should().Equal(201, 201);
        var patientId = IdFromLocation(response.Entry![1]);
        (await ReadAsync<MedicationRequest>($"MedicationRequest/{IdFromLocation(response.Entry[0])}")).Subject!.Reference.Should().Be($"Patient/{patientId}");
    }

    [Fact]
    public async Task A_reference_to_a_conditional_create_that_matched_resolves_to_the_existing_patient()
    {
        var value = Fhir.UniqueValue();
        var existing = await _store.CreateAsync(Fhir.Patient(value, "Existant"));
        var patientUrn = Fhir.NewUrn();

        var response = await _store.TransactionAsync(Transaction(
            Fhir.Entry(Fhir.Patient(value, "Nouveau"), "POST", "Patient", patientUrn, ifNoneExist: Fhir.IdentifierQuery(value)),
            Fhir.Entry(Fhir.MedicationRequest(patientUrn), "POST", "MedicationRequest", Fhir.NewUrn())));

        response.Entry!.Select(e => e.StatusCode()).Should().Equal(200, 201);
        (await _store.SearchByIdentifierAsync(value)).Total.Should().Be(1);
        var patient = await ReadAsync<Patient>($"Patient/{existing.Id}");
        patient.Name![0].Family.Should().Be("Existant", "a matched conditional create changes nothing");
        patient.Meta!.VersionId.Should().Be("1");
        var order = await ReadAsync<MedicationRequest>($"MedicationRequest/{IdFromLocation(response.Entry![1])}");
        order.Subject!.Reference.Should().Be($"Patient/{existing.Id}");
    }

    [Fact]
    public async Task A_conditional_update_entry_updates_the_matching_patient_and_references_resolve_to_it()
    {
        var value = Fhir.UniqueValue();
        var existing = await _store.CreateAsync(Fhir.Patient(value, "Avant"));
        var patientUrn = Fhir.NewUrn();

        var response = await _store.TransactionAsync(Transaction(
            Fhir.Entry(Fhir.Patient(value, "Après"), "PUT", "Patient?" + Fhir.IdentifierQuery(value), patientUrn),
            Fhir.Entry(Fhir.Procedure(patientUrn), "POST", "Procedure", Fhir.NewUrn())));

        response.Entry!.Select(e => e.StatusCode()).Should().Equal(200, 201);
        var patient = await ReadAsync<Patient>($"Patient/{existing.Id}");
        patient.Name![0].Family.Should().Be("Après");
        patient.Meta!.VersionId.Should().Be("2");
        (await _store.SearchByIdentifierAsync(value)).Total.Should().Be(1);
        var procedure = await ReadAsync<Procedure>($"Procedure/{IdFromLocation(response.Entry![1])}");
        procedure.Subject!.Reference.Should().Be($"Patient/{existing.Id}");
    }

    [Fact]
    public async Task A_conditional_update_entry_without_a_match_creates()
    {
        var value = Fhir.UniqueValue();

        var response = await _store.TransactionAsync(Transaction(
            Fhir.Entry(Fhir.Patient(value), "PUT", "Patient?" + Fhir.IdentifierQuery(value), Fhir.NewUrn())));

        response.Entry!.Single().StatusCode().Should().Be(201);
        (await _store.SearchByIdentifierAsync(value)).Total.Should().Be(1);
    }

    [Fact]
    public async Task An_invalid_last_entry_rolls_everything_back_and_names_the_entry()
    {
        // The last entry parses (it is valid FHIR) but fails when processed: its subject names no stored patient.
        // Entries 0 and 1 were written by then, in the same unit, and are rolled back.
        var value = Fhir.UniqueValue();
        var patientUrn = Fhir.NewUrn();
        var procedureCode = Fhir.UniqueValue();
        var procedure = Fhir.Procedure(patientUrn);
        procedure.Identifier = [new Identifier { System = "urn:dsn:procedure:nim", Value = procedureCode }];
        var missing = $"Patient/missing-{value}";

        var (status, body, _) = await _store.SendAsync(Fhir.Request(HttpMethod.Post, "", Transaction(
            Fhir.Entry(Fhir.Patient(value), "POST", "Patient", patientUrn),
            Fhir.Entry(procedure, "POST", "Procedure", Fhir.NewUrn()),
            Fhir.Entry(Fhir.MedicationRequest(missing), "POST", "MedicationRequest", Fhir.NewUrn()))));

        status.Should().Be(422);
        var issue = body.ShouldBeOutcome("Entry 2", missing);
        issue.Expression.Should().Contain("Bundle.entry[2]");
        (await _store.SearchByIdentifierAsync(value)).Total.Should().Be(0, "the patient of entry 0 was rolled back");
        (await _store.SearchAsync($"Procedure?identifier=urn:dsn:procedure:nim|{procedureCode}")).Total.Should().Be(0);
    }

    [Fact]
    public async Task A_last_entry_missing_a_required_element_is_400_naming_it_and_nothing_is_written()
    {
        var value = Fhir.UniqueValue();
        var patientUrn = Fhir.NewUrn();

        var (status, body, _) = await _store.SendAsync(Fhir.Request(HttpMethod.Post, "", Transaction(
            Fhir.Entry(Fhir.Patient(value), "POST", "Patient", patientUrn),
            Fhir.Entry(Fhir.Procedure(patientUrn), "POST", "Procedure", Fhir.NewUrn()),
            Fhir.Entry(Fhir.MedicationRequest(patientUrn, status: null), "POST", "MedicationRequest", Fhir.NewUrn()))));

        status.Should().Be(400, "R4 requires MedicationRequest.status, which the strict parse of the Bundle checks");
        body.ShouldBeOutcome("status").Expression.Should().ContainSingle().Which.Should().Be("Bundle.entry[2].resource.status");
        (await _store.SearchByIdentifierAsync(value)).Total.Should().Be(0);
    }

    /// <summary>An entry's resource the store once read leniently and now refuses: the path names the entry.</summary>
    public static TheoryData<string, string, string> InvalidEntryResources() => new()
    {
        { "unknown element", ",\"shoeSize\":42", "Bundle.entry[1].resource.shoeSize" },
        { "empty string", ",\"name\":[{\"family\":\"\"}]", "Bundle.entry[1].resource.name[0].family" },
        { "code outside its required value set", ",\"gender\":\"xx\"", "Bundle.entry[1].resource.gender" },
        { "impossible date", ",\"birthDate\":\"1985-13-45\"", "Bundle.entry[1].resource.birthDate" },
        { "two variants of one choice element", ",\"deceasedBoolean\":true,\"deceasedDateTime\":\"2020-01-02\"", "Bundle.entry[1].resource" },
    };

    [Theory]
    [MemberData(nameof(InvalidEntryResources))]
    public async Task An_invalid_entry_resource_is_400_with_the_entrys_path_and_nothing_is_written(string problem, string extra, string expression)
    {
        foreach (var type in new[] { "transaction", "batch" })
        {
            var first = Fhir.UniqueValue();
            var second = Fhir.UniqueValue();
            var json = $$$"""
                {"resourceType":"Bundle","type":"{{{type}}}","entry":[
                  {"request":{"method":"POST","url":"Patient"},"resource":{"resourceType":"Patient","identifier":[{"system":"{{{Fhir.MrnSystem}}}","value":"{{{first}}}"}]}},
                  {"request":{"method":"POST","url":"Patient"},"resource":{"resourceType":"Patient","identifier":[{"system":"{{{Fhir.MrnSystem}}}","value":"{{{second}}}"}]{{{extra}}}}}]}
                """;

            var (status, body, _) = await _store.SendAsync(Fhir.RawRequest(HttpMethod.Post, "", json));

            status.Should().Be(400, $"{problem} in a {type}");
            var issue = body.ShouldBeOutcome();
            issue.Code.Should().Be(OperationOutcome.IssueType.Invalid);
            issue.Expression.Should().ContainSingle().Which.Should().Be(expression, type);
            (await _store.SearchByIdentifierAsync(first)).Total.Should().Be(0, $"the valid entry of a refused {type} is not written either");
            (await _store.SearchByIdentifierAsync(second)).Total.Should().Be(0);
        }
    }

    [Fact]
    public async Task A_stale_if_match_in_the_last_entry_is_412_and_rolls_everything_back()
    {
        var existingValue = Fhir.UniqueValue();
        var existing = await _store.CreateAsync(Fhir.Patient(existingValue, "Avant"));
        existing.Name![0].Family = "Second";
        (await _store.SendAsync(Fhir.Request(HttpMethod.Put, $"Patient/{existing.Id}", existing))).Status.Should().Be(200);
        var newValue = Fhir.UniqueValue();
        existing.Name![0].Family = "Perdu";

        var (status, body, _) = await _store.SendAsync(Fhir.Request(HttpMethod.Post, "", Transaction(
            Fhir.Entry(Fhir.Patient(newValue), "POST", "Patient", Fhir.NewUrn()),
            Fhir.Entry(existing, "PUT", $"Patient/{existing.Id}", ifMatch: "W/\"1\""))));

        status.Should().Be(412);
        var issue = body.ShouldBeOutcome("Entry 1", $"Patient/{existing.Id}");
        issue.Expression.Should().Contain("Bundle.entry[1]");
        (await _store.SearchByIdentifierAsync(newValue)).Total.Should().Be(0);
        var current = await ReadAsync<Patient>($"Patient/{existing.Id}");
        current.Name![0].Family.Should().Be("Second");
        current.Meta!.VersionId.Should().Be("2");
    }

    [Fact]
    public async Task A_conditional_reference_inside_a_resource_is_resolved_by_search()
    {
        var value = Fhir.UniqueValue();
        var patient = await _store.CreateAsync(Fhir.Patient(value));

        var response = await _store.TransactionAsync(Transaction(
            Fhir.Entry(Fhir.MedicationRequest($"Patient?identifier={Fhir.MrnSystem}|{value}"), "POST", "MedicationRequest", Fhir.NewUrn())));

        response.Entry!.Single().StatusCode().Should().Be(201);
        var order = await ReadAsync<MedicationRequest>($"MedicationRequest/{IdFromLocation(response.Entry![0])}");
        order.Subject!.Reference.Should().Be($"Patient/{patient.Id}");
    }

    [Fact]
    public async Task A_conditional_reference_matching_nothing_fails_the_transaction()
    {
        var value = Fhir.UniqueValue();
        var orderPatientValue = Fhir.UniqueValue();

        var (status, body, _) = await _store.SendAsync(Fhir.Request(HttpMethod.Post, "", Transaction(
            Fhir.Entry(Fhir.Patient(value), "POST", "Patient", Fhir.NewUrn()),
            Fhir.Entry(Fhir.MedicationRequest($"Patient?identifier={Fhir.MrnSystem}|{orderPatientValue}"), "POST", "MedicationRequest", Fhir.NewUrn()))));

        status.Should().BeInRange(400, 499);
        body.ShouldBeOutcome("Entry 1", orderPatientValue);
        (await _store.SearchByIdentifierAsync(value)).Total.Should().Be(0);
    }

    [Fact]
    public async Task A_urn_uuid_reference_naming_no_entry_is_400_and_writes_nothing()
    {
        var value = Fhir.UniqueValue();
        var dangling = Fhir.NewUrn();

        var (status, body, _) = await _store.SendAsync(Fhir.Request(HttpMethod.Post, "", Transaction(
            Fhir.Entry(Fhir.Patient(value), "POST", "Patient", Fhir.NewUrn()),
            Fhir.Entry(Fhir.MedicationRequest(dangling), "POST", "MedicationRequest", Fhir.NewUrn()))));

        status.Should().Be(400);
        body.ShouldBeOutcome(dangling);
        (await _store.SearchByIdentifierAsync(value)).Total.Should().Be(0);
    }

    [Fact]
    public async Task The_same_resource_twice_in_one_transaction_is_400()
    {
        var existing = await _store.CreateAsync(Fhir.Patient(Fhir.UniqueValue(), "Original"));
        var first = Fhir.Patient(existing.Identifier![0].Value!, "Un", id: existing.Id);
        var second = Fhir.Patient(existing.Identifier![0].Value!, "Deux", id: existing.Id);

        var (status, body, _) = await _store.SendAsync(Fhir.Request(HttpMethod.Post, "", Transaction(
            Fhir.Entry(first, "PUT", $"Patient/{existing.Id}"),
            Fhir.Entry(second, "PUT", $"Patient/{existing.Id}"))));

        status.Should().Be(400);
        body.ShouldBeOutcome($"Patient/{existing.Id}");
        (await ReadAsync<Patient>($"Patient/{existing.Id}")).Meta!.VersionId.Should().Be("1");
    }

    [Fact]
    public async Task A_matched_conditional_create_and_a_put_of_that_patient_are_400()
    {
        var existing = await _store.CreateAsync(Fhir.Patient(Fhir.UniqueValue(), "Original"));
        var value = existing.Identifier![0].Value!;

        var (status, body, _) = await _store.SendAsync(Fhir.Request(HttpMethod.Post, "", Transaction(
            Fhir.Entry(Fhir.Patient(value, "Conditionnel"), "POST", "Patient", Fhir.NewUrn(), ifNoneExist: Fhir.IdentifierQuery(value)),
            Fhir.Entry(Fhir.Patient(value, "Remplacé", id: existing.Id), "PUT", $"Patient/{existing.Id}"))));

        status.Should().Be(400);
        body.ShouldBeOutcome($"Patient/{existing.Id}");
        (await ReadAsync<Patient>($"Patient/{existing.Id}")).Meta!.VersionId.Should().Be("1");
    }

    [Fact]
    public async Task Two_entries_with_the_same_full_url_are_400()
    {
        var urn = Fhir.NewUrn();
        var a = Fhir.UniqueValue();
        var b = Fhir.UniqueValue();

        var (status, body, _) = await _store.SendAsync(Fhir.Request(HttpMethod.Post, "", Transaction(
            Fhir.Entry(Fhir.Patient(a), "POST", "Patient", urn),
            Fhir.Entry(Fhir.Patient(b), "POST", "Patient", urn),
            Fhir.Entry(Fhir.MedicationRequest(urn), "POST", "MedicationRequest", Fhir.NewUrn()))));

        status.Should().Be(400);
        body.ShouldBeOutcome(urn);
        (await _store.SearchByIdentifierAsync(a)).Total.Should().Be(0);
        (await _store.SearchByIdentifierAsync(b)).Total.Should().Be(0);
    }

    [Fact]
    public async Task Two_conditional_creates_with_one_condition_in_one_transaction_are_400_not_two_patients()
    {
        var value = Fhir.UniqueValue();

        var (status, body, _) = await _store.SendAsync(Fhir.Request(HttpMethod.Post, "", Transaction(
            Fhir.Entry(Fhir.Patient(value), "POST", "Patient", Fhir.NewUrn(), ifNoneExist: Fhir.IdentifierQuery(value)),
            Fhir.Entry(Fhir.Patient(value), "POST", "Patient", Fhir.NewUrn(), ifNoneExist: Fhir.IdentifierQuery(value)))));

        status.Should().Be(400, "the transaction names the same patient twice");
        body.ShouldBeOutcome("Entries 0 and 1");
        (await _store.SearchByIdentifierAsync(value)).Total.Should().Be(0);
    }

    [Fact]
    public async Task A_conditional_create_and_a_conditional_update_with_one_condition_are_400()
    {
        var value = Fhir.UniqueValue();

        var (status, body, _) = await _store.SendAsync(Fhir.Request(HttpMethod.Post, "", Transaction(
            Fhir.Entry(Fhir.Patient(value), "POST", "Patient", Fhir.NewUrn(), ifNoneExist: Fhir.IdentifierQuery(value)),
            Fhir.Entry(Fhir.Patient(value), "PUT", "Patient?" + Fhir.IdentifierQuery(value), Fhir.NewUrn()))));

        status.Should().Be(400);
        body.ShouldBeOutcome("same condition");
        (await _store.SearchByIdentifierAsync(value)).Total.Should().Be(0);
    }

    [Fact]
    public async Task Delete_entries_run_before_and_reads_after_the_writes()
    {
        var doomed = await _store.CreateAsync(Fhir.Patient(Fhir.UniqueValue()));
        var value = Fhir.UniqueValue();
        var kept = await _store.CreateAsync(Fhir.Patient(value, "Lu"));

        var response = await _store.TransactionAsync(new Bundle
        {
            Type = Bundle.BundleType.Transaction,
            Entry =
            [
                new Bundle.EntryComponent { Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.GET, Url = $"Patient/{kept.Id}" } },
                new Bundle.EntryComponent { Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.DELETE, Url = $"Patient/{doomed.Id}" } },
                Fhir.Entry(Fhir.Patient(value, "Relu", id: kept.Id), "PUT", $"Patient/{kept.Id}"),
            ],
        });

        response.Entry!.Select(e => e.StatusCode()).Should().Equal(200, 204, 200);
        ((Patient)response.Entry![0].Resource!).Name![0].Family.Should().Be("Relu", "the read runs after the update");
        (await _store.SendAsync(Fhir.Request(HttpMethod.Get, $"Patient/{doomed.Id}"))).Status.Should().Be(410);
    }

    [Fact]
    public async Task A_bundle_of_another_type_posted_to_the_base_is_400()
    {
        var (status, body, _) = await _store.SendAsync(Fhir.Request(HttpMethod.Post, "", new Bundle { Type = Bundle.BundleType.Collection, Entry = [] }));

        status.Should().Be(400);
        body.ShouldBeOutcome("collection").Expression.Should().Contain("Bundle.type");
    }
}
