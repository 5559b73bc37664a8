using System.Net;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using DsnGateway.RecordStore;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace DsnGateway.Tests.Proxy;

/// <summary>
/// The gateway in front of a record store it does not host: a real store on its own Kestrel port, as any
/// R4 server would be. Its address never reaches the client, and readiness follows its availability.
/// </summary>
public sealed class RemoteStoreTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "dsn-remote-tests", Guid.NewGuid().ToString("N"));
    private WebApplication _store = null!;
    private WebApplication _gateway = null!;
    private HttpClient _client = null!;
    private string _storeUrl = "";
    private int _storePort;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        await StartStoreAsync(0);
        _gateway = await GatewayFixture.StartAsync(Path.Combine(_directory, "gateway"), new Dictionary<string, string?>
        {
            ["RecordStore:Mode"] = "Remote",
            ["RecordStore:RemoteUrl"] = _storeUrl + "/r4",
            ["Gateway:PublicBaseUrl"] = "https://dsn.example.test/fhir",
        });
        var address = _gateway.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _client = new HttpClient { BaseAddress = new Uri(address.TrimEnd('/') + "/") };
        _client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", GatewayFixture.IssueToken(_gateway.Services));
    }

    private async Task StartStoreAsync(int port)
    {
        _store = RecordStoreServer.Build(new RecordStoreOptions { DatabasePath = Path.Combine(_directory, "remote.db") }, $"http://127.0.0.1:{port}", "/r4");
        await _store.InitializeAsync();
        await _store.StartAsync();
        _storeUrl = _store.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        _storePort = new Uri(_storeUrl).Port;
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _gateway.StopAsync();
        await _gateway.DisposeAsync();
        await _store.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task Remote_store_links_are_rewritten_to_the_public_base()
    {
        var patient = new Patient { Name = [new HumanName { Family = "Remote" }], Identifier = [new Identifier { System = "urn:dsn:mrn:nim", Value = Guid.NewGuid().ToString("N") }] };
        using var created = await _client.PostAsync("fhir/Patient", GatewayFixture.Json(patient));
        created.StatusCode.Should().Be(HttpStatusCode.Created);
        created.Headers.Location!.ToString().Should().StartWith("https://dsn.example.test/fhir/Patient/");

        using var search = await _client.GetAsync("fhir/Patient?_count=1");
        var body = await search.Content.ReadAsStringAsync();
        body.Should().Contain("\"fullUrl\":\"https://dsn.example.test/fhir/Patient/");
        body.Should().Contain("\"url\":\"https://dsn.example.test/fhir/Patient?_count=1");
        body.Should().NotContain(_storeUrl);
    }

    [Fact]
    public async Task Remote_search_links_show_the_callers_query_and_stay_the_same_when_followed()
    {
        for (var i = 0; i < 3; i++)
        {
            var own = new Patient { Identifier = [new Identifier { System = "urn:dsn:mrn:nim", Value = Guid.NewGuid().ToString("N") }] };
            (await _client.PostAsync("fhir/Patient", GatewayFixture.Json(own))).StatusCode.Should().Be(HttpStatusCode.Created);
        }
        // Outside the NIM clinician's care relationship: created with break-the-glass, never found by the search below.
        var other = new Patient { Identifier = [new Identifier { System = "urn:dsn:mrn:mcq", Value = Guid.NewGuid().ToString("N") }] };
        using (var create = new HttpRequestMessage(HttpMethod.Post, "fhir/Patient") { Content = GatewayFixture.Json(other) })
        {
            create.Headers.Add("X-Break-Glass", "test setup");
            (await _client.SendAsync(create)).StatusCode.Should().Be(HttpStatusCode.Created);
        }

        const string asked = "https://dsn.example.test/fhir/Patient?_count=1&_total=accurate";
        var url = "fhir/Patient?_count=1&_total=accurate";
        var pages = 0;
        while (url is not null)
        {
            (++pages).Should().BeLessThan(100);
            using var response = await _client.GetAsync(url.Replace("https://dsn.example.test/", ""));
            var bundle = Fhir.Serialization.FhirJson.Parse<Bundle>(await response.Content.ReadAsStringAsync());
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            bundle.Total.Should().Be(3, "the restriction is applied on every page, though no link carries it");
            bundle.Entry!.Select(e => (Patient)e.Resource!).Should().OnlyContain(p => p.Identifier!.Any(i => i.System == "urn:dsn:mrn:nim"));
            var self = bundle.Link!.Single(l => l.Relation == "self").Url!;
            self.Should().Be(asked, "the self link is what the caller asked (the store leaves the cursor out of it)");
            url = bundle.Link!.FirstOrDefault(l => l.Relation == "next")?.Url;
            if (url is not null) url[..url.IndexOf("&_cursor=", StringComparison.Ordinal)].Should().Be(asked);
        }
        pages.Should().Be(3);
    }

    [Fact]
    public async Task Readiness_fails_while_the_store_is_unreachable_and_recovers_when_it_returns()
    {
        (await _client.GetAsync("readyz")).StatusCode.Should().Be(HttpStatusCode.OK);

        await _store.StopAsync();
        await _store.DisposeAsync();
        using (var down = await _client.GetAsync("readyz"))
        {
            down.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
            (await down.Content.ReadAsStringAsync()).Should().Contain("\"recordStore\":\"unreachable\"");
        }
        (await _client.GetAsync("healthz")).StatusCode.Should().Be(HttpStatusCode.OK, "the gateway itself is alive");
        (await _client.GetAsync("fhir/Patient")).StatusCode.Should().Be(HttpStatusCode.BadGateway);

        await StartStoreAsync(_storePort);
        (await _client.GetAsync("readyz")).StatusCode.Should().Be(HttpStatusCode.OK);
    }
}
