using System.Net.Http.Headers;
using System.Text;
using DsnGateway.Fhir.Model;
using DsnGateway.Fhir.Serialization;
using DsnGateway.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace DsnGateway.Tests;

/// <summary>
/// A real gateway in this process: Kestrel on a free loopback port, the embedded store over a real SQLite
/// file in a fresh data directory, the sample data loaded, Development environment.
/// </summary>
public class GatewayFixture : IAsyncLifetime
{
    private WebApplication? _app;

    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "dsn-gateway-tests", Guid.NewGuid().ToString("N"));

    public static string ConfigDirectory => Path.Combine(AppContext.BaseDirectory, "config");

    public Uri BaseUri { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public IServiceProvider Services => _app!.Services;

    protected virtual IReadOnlyDictionary<string, string?> Overrides => new Dictionary<string, string?>();

    protected virtual bool LoadSampleData => true;

    public async Task InitializeAsync()
    {
        _app = await StartAsync(DataDirectory, Overrides, LoadSampleData);
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseUri = new Uri(address.TrimEnd('/') + "/");
        Client = new HttpClient { BaseAddress = BaseUri };
    }

    public static async Task<WebApplication> StartAsync(string dataDirectory, IReadOnlyDictionary<string, string?> overrides, bool loadSampleData = true)
    {
        var app = await GatewayApplication.BuildAsync(new GatewaySettings
        {
            Paths = new GatewayPaths(dataDirectory, ConfigDirectory),
            Urls = "http://127.0.0.1:0",
            EnvironmentName = "Development",
            LoadSampleData = loadSampleData,
            Overrides = overrides,
        });
        await app.StartAsync();
        return app;
    }

    public virtual async Task DisposeAsync()
    {
        Client?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(DataDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    public static StringContent Json(Resource resource)
    {
        var content = new StringContent(FhirJson.Serialize(resource), Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/fhir+json");
        return content;
    }

    public async Task<T> GetResourceAsync<T>(string relativeUrl) where T : Resource
    {
        using var response = await Client.GetAsync(relativeUrl);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"GET {relativeUrl}: {(int)response.StatusCode} {body}");
        return FhirJson.Parse<T>(body);
    }
}
