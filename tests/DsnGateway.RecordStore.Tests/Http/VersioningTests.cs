using DsnGateway.Fhir.Model;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;

namespace DsnGateway.RecordStore.Tests.Http;

public class VersioningTests : IClassFixture<RecordStoreFixture>
{
    private readonly RecordStoreFixture _store;

    public VersioningTests(RecordStoreFixture store) => _store = store;

    [Fact]
    public async Task Update_with_matching_if_match_succeeds()
    {
        var created = await _store.CreateAsync(Fhir.Patient(Fhir.UniqueValue(), "Before"));
        created.Name![0].Family = "After";

        var (status, body, response) = await _store.SendAsync(
            Fhir.Request(HttpMethod.Put, $"Patient/{created.Id}", created, ("If-Match", "W/\"1\"")));

        status.Should().Be(200);
        ((Patient)body!).Meta!.VersionId.Should().Be("2");
        response.Headers.ETag!.ToString().Should().Be("W/\"2\"");
    }

    [Fact]
    public async Task Update_with_stale_if_match_is_412_and_changes_nothing()
    {
        var created = await _store.CreateAsync(Fhir.Patient(Fhir.UniqueValue(), "Original"));
        created.Name![0].Family = "Second";
        (await _store.SendAsync(Fhir.Request(HttpMethod.Put, $"Patient/{created.Id}", created, ("If-Match", "W/\"1\"")))).Status.Should().Be(200);

        created.Name![0].Family = "LostUpdate";
        var (status, body, _) = await _store.SendAsync(
            Fhir.Request(HttpMethod.Put, $"Patient/{created.Id}", created, ("If-Match", "W/\"1\"")));

        status.Should().Be(412);
        body.ShouldBeOutcome("If-Match", "W/\"2\"");
        var (_, read, _) = await _store.SendAsync(Fhir.Request(HttpMethod.Get, $"Patient/{created.Id}"));
        ((Patient)read!).Name![0].Family.Should().Be("Second");
        read.Meta!.VersionId.Should().Be("2");
    }

    [Fact]
    public async Task Update_with_if_match_on_an_unknown_resource_is_412_and_creates_nothing()
    {
        var id = "unknown-" + Fhir.UniqueValue();
        var (status, body, _) = await _store.SendAsync(
            Fhir.Request(HttpMethod.Put, $"Patient/{id}", Fhir.Patient(Fhir.UniqueValue(), id: id), ("If-Match", "W/\"1\"")));

        status.Should().Be(412);
        body.ShouldBeOutcome();
        (await _store.SendAsync(Fhir.Request(HttpMethod.Get, $"Patient/{id}"))).Status.Should().Be(404);
    }

    [Theory]
    [InlineData("W/\"abc\"")]
    [InlineData("banana")]
    [InlineData("W/\"-1\"")]
    public async Task Update_with_malformed_if_match_is_400(string ifMatch)
    {
        var created = await _store.CreateAsync(Fhir.Patient(Fhir.UniqueValue()));

        var (status, body, _) = await _store.SendAsync(
            Fhir.Request(HttpMethod.Put, $"Patient/{created.Id}", created, ("If-Match", ifMatch)));

        status.Should().Be(400);
        body.ShouldBeOutcome("If-Match");
        var (_, read, _) = await _store.SendAsync(Fhir.Request(HttpMethod.Get, $"Patient/{created.Id}"));
        read!.Meta!.VersionId.Should().Be("1");
    }
}
