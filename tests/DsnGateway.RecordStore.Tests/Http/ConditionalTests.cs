using DsnGateway.Fhir.Model;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;

namespace DsnGateway.RecordStore.Tests.Http;

public class ConditionalTests : IClassFixture<RecordStoreFixture>
{
    private readonly RecordStoreFixture _store;

    public ConditionalTests(RecordStoreFixture store) => _store = store;

    private Task<(int Status, Resource? Body, HttpResponseMessage Response)> ConditionalCreateAsync(string value, string family = "Tremblay") =>
        _store.SendAsync(Fhir.Request(HttpMethod.Post, "Patient", Fhir.Patient(value, family), ("If-None-Exist", Fhir.IdentifierQuery(value))));

    private Task<(int Status, Resource? Body, HttpResponseMessage Response)> ConditionalUpdateAsync(string value, Patient body) =>
        _store.SendAsync(Fhir.Request(HttpMethod.Put, "Patient?" + Fhir.IdentifierQuery(value), body));

    [Fact]
    public async Task Conditional_create_creates_once_then_returns_the_existing_resource_without_writing()
    {
        var value = Fhir.UniqueValue();

        var (firstStatus, first, firstResponse) = await ConditionalCreateAsync(value, "First");
        var (secondStatus, second, secondResponse) = await ConditionalCreateAsync(value, "Second");

        firstStatus.Should().Be(201);
        firstResponse.Headers.Location.Should().NotBeNull();
        secondStatus.Should().Be(200);
        second!.Id.Should().Be(first!.Id);
        ((Patient)second).Name![0].Family.Should().Be("First", "the existing resource is returned, not the new body");
        secondResponse.Headers.ETag!.ToString().Should().Be("W/\"1\"");
        secondResponse.Headers.Location.Should().BeNull("nothing was created");

        var history = await _store.SearchAsync($"Patient/{first.Id}/_history");
        history.Total.Should().Be(1, "the second conditional create wrote no new version");
        (await _store.SearchByIdentifierAsync(value)).Total.Should().Be(1);
    }

    [Fact]
    public async Task Conditional_create_matching_two_resources_is_412_and_writes_nothing()
    {
        var value = Fhir.UniqueValue();
        await _store.CreateAsync(Fhir.Patient(value));
        await _store.CreateAsync(Fhir.Patient(value));

        var (status, body, _) = await ConditionalCreateAsync(value);

        status.Should().Be(412);
        body.ShouldBeOutcome("more than one");
        (await _store.SearchByIdentifierAsync(value)).Total.Should().Be(2);
    }

    [Fact]
    public async Task A_condition_by_an_identifier_a_merge_retired_names_the_survivor_alone()
    {
        var value = Fhir.UniqueValue();
        var survivor = await _store.CreateAsync(Fhir.Patient(value, "Survivant"));
        var retired = Fhir.Patient(value, "Ancien");
        retired.Active = false;
        retired.Link = [new Patient.LinkComponent { Type = Patient.LinkType.ReplacedBy, Other = new ResourceReference { Reference = $"Patient/{survivor.Id}" } }];
        retired = await _store.CreateAsync(retired);

        var (createStatus, existing, _) = await ConditionalCreateAsync(value);
        createStatus.Should().Be(200);
        existing!.Id.Should().Be(survivor.Id);

        var (updateStatus, updated, _) = await ConditionalUpdateAsync(value, Fhir.Patient(value, "Renommé"));
        updateStatus.Should().Be(200);
        updated!.Id.Should().Be(survivor.Id);
        (await _store.SearchAsync($"Patient/{retired.Id}/_history")).Total.Should().Be(1, "nothing wrote the retired record");
    }

    [Fact]
    public async Task Conditional_create_with_an_unknown_parameter_in_if_none_exist_is_400()
    {
        var value = Fhir.UniqueValue();
        var (status, body, _) = await _store.SendAsync(Fhir.Request(HttpMethod.Post, "Patient", Fhir.Patient(value), ("If-None-Exist", "shoe-size=12")));

        status.Should().Be(400);
        body.ShouldBeOutcome("shoe-size");
        (await _store.SearchByIdentifierAsync(value)).Total.Should().Be(0);
    }

    [Fact]
    public async Task Conditional_update_without_a_match_creates()
    {
        var value = Fhir.UniqueValue();

        var (status, body, response) = await ConditionalUpdateAsync(value, Fhir.Patient(value, "Nouveau"));

        status.Should().Be(201);
        body!.Id.Should().NotBeNullOrEmpty();
        response.Headers.Location!.ToString().Should().EndWith($"/Patient/{body.Id}/_history/1");
        var found = await _store.SearchByIdentifierAsync(value);
        found.Total.Should().Be(1);
        found.Entry![0].Resource!.Id.Should().Be(body.Id);
    }

    [Fact]
    public async Task Conditional_update_with_one_match_updates_that_resource()
    {
        var value = Fhir.UniqueValue();
        var existing = await _store.CreateAsync(Fhir.Patient(value, "Avant"));

        var (status, body, response) = await ConditionalUpdateAsync(value, Fhir.Patient(value, "Après"));

        status.Should().Be(200);
        body!.Id.Should().Be(existing.Id);
        body.Meta!.VersionId.Should().Be("2");
        response.Headers.ETag!.ToString().Should().Be("W/\"2\"");
        var (_, read, _) = await _store.SendAsync(Fhir.Request(HttpMethod.Get, $"Patient/{existing.Id}"));
        ((Patient)read!).Name![0].Family.Should().Be("Après");
        (await _store.SearchByIdentifierAsync(value)).Total.Should().Be(1);
    }

    [Fact]
    public async Task Conditional_update_with_the_matching_id_in_the_body_updates()
    {
        var value = Fhir.UniqueValue();
        var existing = await _store.CreateAsync(Fhir.Patient(value, "Avant"));

        var (status, body, _) = await ConditionalUpdateAsync(value, Fhir.Patient(value, "Après", id: existing.Id));

        status.Should().Be(200);
        body!.Id.Should().Be(existing.Id);
    }

    [Fact]
    public async Task Conditional_update_with_two_matches_is_412_and_changes_nothing()
    {
        var value = Fhir.UniqueValue();
        var a = await _store.CreateAsync(Fhir.Patient(value, "A"));
        var b = await _store.CreateAsync(Fhir.Patient(value, "B"));

        var (status, body, _) = await ConditionalUpdateAsync(value, Fhir.Patient(value, "C"));

        status.Should().Be(412);
        body.ShouldBeOutcome("more than one");
        foreach (var p in new[] { a, b })
        {
            var (_, read, _) = await _store.SendAsync(Fhir.Request(HttpMethod.Get, $"Patient/{p.Id}"));
            read!.Meta!.VersionId.Should().Be("1");
        }
    }

    [Fact]
    public async Task Conditional_update_whose_body_id_contradicts_the_match_is_400()
    {
        var value = Fhir.UniqueValue();
        var existing = await _store.CreateAsync(Fhir.Patient(value, "Avant"));

        var (status, body, _) = await ConditionalUpdateAsync(value, Fhir.Patient(value, "Après", id: "some-other-id"));

        status.Should().Be(400);
        body.ShouldBeOutcome("some-other-id", existing.Id!);
        var (_, read, _) = await _store.SendAsync(Fhir.Request(HttpMethod.Get, $"Patient/{existing.Id}"));
        ((Patient)read!).Name![0].Family.Should().Be("Avant");
        (await _store.SendAsync(Fhir.Request(HttpMethod.Get, "Patient/some-other-id"))).Status.Should().Be(404);
    }

    [Fact]
    public async Task Conditional_update_without_a_match_whose_body_id_is_new_creates_under_that_id()
    {
        var value = Fhir.UniqueValue();
        var id = "chosen-" + Fhir.UniqueValue();

        var (status, body, _) = await ConditionalUpdateAsync(value, Fhir.Patient(value, id: id));

        status.Should().Be(201);
        body!.Id.Should().Be(id);
        (await _store.SearchByIdentifierAsync(value)).Entry!.Single().Resource!.Id.Should().Be(id);
    }
}
