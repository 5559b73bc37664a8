using System.Globalization;
using System.Net;
using DsnGateway.Fhir.Model;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using DsnGateway.Fhir.Primitives;
using DsnGateway.Fhir.Serialization;

namespace DsnGateway.RecordStore.Tests.Http;

public class CrudTests : IClassFixture<RecordStoreFixture>
{
    private readonly RecordStoreFixture _store;

    public CrudTests(RecordStoreFixture store) => _store = store;

    [Fact]
    public async Task Create_answers_201_with_location_etag_and_a_server_assigned_id()
    {
        var patient = Fhir.Patient(Fhir.UniqueValue(), id: "client-chosen-id");

        var (status, body, response) = await _store.SendAsync(Fhir.Request(HttpMethod.Post, "Patient", patient));

        status.Should().Be(201);
        var created = body.Should().BeOfType<Patient>().Subject;
        created.Id.Should().NotBeNullOrEmpty().And.NotBe("client-chosen-id", "a create ignores the id in the body");
        created.Meta!.VersionId.Should().Be("1");
        response.Headers.ETag!.ToString().Should().Be("W/\"1\"");
        response.Headers.Location.Should().NotBeNull();
        response.Headers.Location!.ToString().Should().EndWith($"/Patient/{created.Id}/_history/1");
        response.Headers.Location.IsAbsoluteUri.Should().BeTrue();

        var (readStatus, _, _) = await _store.SendAsync(Fhir.Request(HttpMethod.Get, "Patient/client-chosen-id"));
        readStatus.Should().Be(404, "nothing was stored under the id the client proposed");
    }

    [Fact]
    public async Task Read_returns_the_resource_with_etag_last_modified_and_meta()
    {
        var value = Fhir.UniqueValue();
        var created = await _store.CreateAsync(Fhir.Patient(value, "Gagnon"));

        var (status, body, response) = await _store.SendAsync(Fhir.Request(HttpMethod.Get, $"Patient/{created.Id}"));

        status.Should().Be(200);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/fhir+json");
        var read = body.Should().BeOfType<Patient>().Subject;
        read.Id.Should().Be(created.Id);
        read.Name![0].Family.Should().Be("Gagnon");
        read.Identifier![0].Value.Should().Be(value);
        read.Meta!.VersionId.Should().Be("1");
        PartialDateTime.IsValidInstant(read.Meta.LastUpdatedElement!.JsonValue as string).Should().BeTrue();
        response.Headers.ETag!.ToString().Should().Be("W/\"1\"");
        response.Content.Headers.LastModified.Should().NotBeNull();
        var lastUpdated = read.Meta.LastUpdated!.Value;
        response.Content.Headers.LastModified!.Value.ToUnixTimeSeconds().Should().Be(lastUpdated.ToUnixTimeSeconds(),
            "Last-Modified is meta.lastUpdated (to the second, as HTTP dates go)");
    }

    [Fact]
    public async Task Read_returns_the_stored_json_byte_for_byte()
    {
        using var created = await _store.Client.PostAsync("Patient", RecordStoreFixture.Json(Fhir.Patient(Fhir.UniqueValue(), "Bélanger")));
        var written = await created.Content.ReadAsStringAsync();
        var id = FhirJson.Parse(written).Id;

        var read = await _store.Client.GetStringAsync($"Patient/{id}");

        read.Should().Be(written, "a read sends the version as it was stored, with no parse and no second serialization");
    }

    [Fact]
    public async Task A_stored_version_that_no_longer_parses_is_still_read_as_stored_and_a_search_needing_it_is_500_without_its_values()
    {
        var created = await _store.CreateAsync(Fhir.Patient(Fhir.UniqueValue()));
        var stored = $$"""{"resourceType":"Patient","id":"{{created.Id}}","meta":{"versionId":"1"},"gender":"secret-value"}""";
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_store.DatabasePath}"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "UPDATE resource SET json = $json WHERE type = 'Patient' AND id = $id";
            command.Parameters.AddWithValue("$json", stored);
            command.Parameters.AddWithValue("$id", created.Id);
            (await command.ExecuteNonQueryAsync()).Should().Be(1);
        }

        (await _store.Client.GetStringAsync($"Patient/{created.Id}")).Should().Be(stored, "reads stay bytes: nothing parses them");
        var (status, body, _) = await _store.SendAsync(Fhir.Request(HttpMethod.Get, $"Patient?_id={created.Id}"));

        status.Should().Be(500, "the store's own data failing is no fault of the caller");
        body.ShouldBeOutcome().Diagnostics.Should().NotContain("secret-value");
    }

    [Fact]
    public async Task Update_answers_200_with_version_2_and_the_change_is_read_back()
    {
        var created = await _store.CreateAsync(Fhir.Patient(Fhir.UniqueValue(), "Roy"));
        created.Name![0].Family = "Côté";

        var (status, body, response) = await _store.SendAsync(Fhir.Request(HttpMethod.Put, $"Patient/{created.Id}", created));

        status.Should().Be(200);
        var updated = body.Should().BeOfType<Patient>().Subject;
        updated.Meta!.VersionId.Should().Be("2");
        response.Headers.ETag!.ToString().Should().Be("W/\"2\"");
        updated.Meta.LastUpdated.Should().BeAfter(created.Meta!.LastUpdated!.Value, "lastUpdated moves forward");

        var (_, readBody, readResponse) = await _store.SendAsync(Fhir.Request(HttpMethod.Get, $"Patient/{created.Id}"));
        ((Patient)readBody!).Name![0].Family.Should().Be("Côté");
        readResponse.Headers.ETag!.ToString().Should().Be("W/\"2\"");
    }

    [Fact]
    public async Task Update_holding_what_the_current_version_holds_writes_no_version()
    {
        var created = await _store.CreateAsync(Fhir.Patient(Fhir.UniqueValue(), "Roy"));
        created.Meta = null; // a client resending the resource as it knows it, without meta

        var (status, body, response) = await _store.SendAsync(Fhir.Request(HttpMethod.Put, $"Patient/{created.Id}", created));

        status.Should().Be(200);
        body.Should().BeOfType<Patient>().Which.Meta!.VersionId.Should().Be("1", "nothing changed, so the current version answers");
        response.Headers.ETag!.ToString().Should().Be("W/\"1\"");
        (await _store.SearchAsync($"Patient/{created.Id}/_history")).Total.Should().Be(1);
    }

    [Fact]
    public async Task Update_changing_only_a_security_label_is_a_new_version()
    {
        var created = await _store.CreateAsync(Fhir.Patient(Fhir.UniqueValue(), "Roy"));
        created.Meta!.Security = [new Coding { System = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality", Code = "R" }];

        var (status, body, _) = await _store.SendAsync(Fhir.Request(HttpMethod.Put, $"Patient/{created.Id}", created));

        status.Should().Be(200);
        body.Should().BeOfType<Patient>().Which.Meta!.VersionId.Should().Be("2", "meta beyond the version id and lastUpdated is content");
    }

    [Fact]
    public async Task Update_of_an_unknown_id_creates_it_under_that_id()
    {
        var id = "client-" + Fhir.UniqueValue();
        var patient = Fhir.Patient(Fhir.UniqueValue(), id: id);

        var (status, body, response) = await _store.SendAsync(Fhir.Request(HttpMethod.Put, $"Patient/{id}", patient));

        status.Should().Be(201);
        body.Should().BeOfType<Patient>().Which.Id.Should().Be(id);
        response.Headers.Location!.ToString().Should().EndWith($"/Patient/{id}/_history/1");
        response.Headers.ETag!.ToString().Should().Be("W/\"1\"");
        var (readStatus, _, _) = await _store.SendAsync(Fhir.Request(HttpMethod.Get, $"Patient/{id}"));
        readStatus.Should().Be(200);
    }

    [Fact]
    public async Task Delete_answers_204_then_read_is_410_and_a_second_delete_is_204()
    {
        var value = Fhir.UniqueValue();
        var created = await _store.CreateAsync(Fhir.Patient(value));

        var (status, body, _) = await _store.SendAsync(Fhir.Request(HttpMethod.Delete, $"Patient/{created.Id}"));
        status.Should().Be(204);
        body.Should().BeNull();

        var (readStatus, readBody, _) = await _store.SendAsync(Fhir.Request(HttpMethod.Get, $"Patient/{created.Id}"));
        readStatus.Should().Be(410);
        readBody.ShouldBeOutcome(created.Id!);

        var (againStatus, _, _) = await _store.SendAsync(Fhir.Request(HttpMethod.Delete, $"Patient/{created.Id}"));
        againStatus.Should().Be(204, "deleting a deleted resource is idempotent");

        (await _store.SearchByIdentifierAsync(value)).Total.Should().Be(0, "a deleted resource is not found by search");
    }

    [Fact]
    public async Task Update_after_delete_brings_the_resource_back_as_a_new_version()
    {
        var created = await _store.CreateAsync(Fhir.Patient(Fhir.UniqueValue()));
        (await _store.SendAsync(Fhir.Request(HttpMethod.Delete, $"Patient/{created.Id}"))).Status.Should().Be(204);

        var (status, body, _) = await _store.SendAsync(Fhir.Request(HttpMethod.Put, $"Patient/{created.Id}", created));

        status.Should().Be(201);
        ((Patient)body!).Meta!.VersionId.Should().Be("3", "versions 1 (create) and 2 (delete) came before");
    }

    [Fact]
    public async Task Vread_returns_each_version_as_it_was()
    {
        var created = await _store.CreateAsync(Fhir.Patient(Fhir.UniqueValue(), "Version1"));
        created.Name![0].Family = "Version2";
        (await _store.SendAsync(Fhir.Request(HttpMethod.Put, $"Patient/{created.Id}", created))).Status.Should().Be(200);

        var (status1, v1, response1) = await _store.SendAsync(Fhir.Request(HttpMethod.Get, $"Patient/{created.Id}/_history/1"));
        var (status2, v2, response2) = await _store.SendAsync(Fhir.Request(HttpMethod.Get, $"Patient/{created.Id}/_history/2"));
        var (status3, missing, _) = await _store.SendAsync(Fhir.Request(HttpMethod.Get, $"Patient/{created.Id}/_history/3"));

        status1.Should().Be(200);
        ((Patient)v1!).Name![0].Family.Should().Be("Version1");
        v1!.Meta!.VersionId.Should().Be("1");
        response1.Headers.ETag!.ToString().Should().Be("W/\"1\"");
        status2.Should().Be(200);
        ((Patient)v2!).Name![0].Family.Should().Be("Version2");
        v2.Meta!.VersionId.Should().Be("2");
        response2.Headers.ETag!.ToString().Should().Be("W/\"2\"");
        status3.Should().Be(404);
        missing.ShouldBeOutcome();
    }

    [Fact]
    public async Task Instance_history_lists_every_version_newest_first_including_the_delete()
    {
        var created = await _store.CreateAsync(Fhir.Patient(Fhir.UniqueValue(), "First"));
        created.Name![0].Family = "Second";
        (await _store.SendAsync(Fhir.Request(HttpMethod.Put, $"Patient/{created.Id}", created))).Status.Should().Be(200);
        (await _store.SendAsync(Fhir.Request(HttpMethod.Delete, $"Patient/{created.Id}"))).Status.Should().Be(204);

        var (status, body, _) = await _store.SendAsync(Fhir.Request(HttpMethod.Get, $"Patient/{created.Id}/_history"));

        status.Should().Be(200);
        var history = body.Should().BeOfType<Bundle>().Subject;
        history.Type.Should().Be(Bundle.BundleType.History);
        history.Total.Should().Be(3);
        history.Entry.Should().HaveCount(3);
        history.Entry!.Select(e => e.Response!.Etag).Should().Equal("W/\"3\"", "W/\"2\"", "W/\"1\"");
        history.Entry!.Select(e => e.Request!.Method).Should().Equal(Bundle.HTTPVerb.DELETE, Bundle.HTTPVerb.PUT, Bundle.HTTPVerb.POST);

        history.Entry![0].Resource.Should().BeNull("a deletion has no content");
        history.Entry[0].Request!.Url.Should().Be($"Patient/{created.Id}");
        ((Patient)history.Entry[1].Resource!).Name![0].Family.Should().Be("Second");
        ((Patient)history.Entry[2].Resource!).Name![0].Family.Should().Be("First");
        history.Entry.Should().OnlyContain(e => e.FullUrl!.EndsWith($"/Patient/{created.Id}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task History_of_an_unknown_resource_is_404()
    {
        var (status, body, _) = await _store.SendAsync(Fhir.Request(HttpMethod.Get, $"Patient/{Fhir.UniqueValue()}/_history"));
        status.Should().Be(404);
        body.ShouldBeOutcome();
    }

    [Fact]
    public async Task Prefer_return_minimal_answers_without_a_body_but_with_the_headers()
    {
        var (status, body, response) = await _store.SendAsync(
            Fhir.Request(HttpMethod.Post, "Patient", Fhir.Patient(Fhir.UniqueValue()), ("Prefer", "return=minimal")));

        status.Should().Be(201);
        body.Should().BeNull();
        response.Headers.Location.Should().NotBeNull();
        response.Headers.ETag!.ToString().Should().Be("W/\"1\"");
        response.StatusCode.Should().Be(HttpStatusCode.Created);
    }
}
