using System.Net.Http.Headers;
using System.Text;
using System.Security.Claims;
using DsnGateway.Authentication;
using Hl7.Fhir.Model;
using Claim = System.Security.Claims.Claim;
using Task = System.Threading.Tasks.Task;
using DsnGateway.Fhir.Serialization;
using DsnGateway.Hosting;
using DsnGateway.Runtime;
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

    /// <summary>A clinician of NIM with user/*.cruds: the ordinary caller of the read path.</summary>
    public HttpClient Client { get; private set; } = null!;

    /// <summary>No token at all.</summary>
    public HttpClient Anonymous { get; private set; } = null!;

    public IServiceProvider Services => _app!.Services;

    protected virtual IReadOnlyDictionary<string, string?> Overrides => new Dictionary<string, string?>();

    protected virtual bool LoadSampleData => true;

    public async Task InitializeAsync()
    {
        _app = await StartAsync(DataDirectory, Overrides, LoadSampleData);
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseUri = new Uri(address.TrimEnd('/') + "/");
        Client = ClientWith(Token());
        Anonymous = new HttpClient { BaseAddress = BaseUri };
    }

    /// <summary>A development token for this gateway (its issuer is trusted in Development).</summary>
    public string Token(string role = "clinician", string scope = "user/*.cruds", string? establishment = "NIM", string subject = "dr.test",
        string? patient = null, string? fhirUser = "Practitioner/95112", TimeSpan? lifetime = null) =>
        IssueToken(Services, role, scope, establishment, subject, patient, fhirUser, lifetime);

    public static string IssueToken(IServiceProvider services, string role = "clinician", string scope = "user/*.cruds", string? establishment = "NIM", string subject = "dr.test",
        string? patient = null, string? fhirUser = "Practitioner/95112", TimeSpan? lifetime = null)
    {
        var claims = new List<Claim> { new("sub", subject), new("scope", scope), new("role", role), new("client_id", "test-app") };
        if (establishment is not null) claims.Add(new Claim("establishment", establishment));
        if (patient is not null) claims.Add(new Claim("patient", patient));
        if (fhirUser is not null) claims.Add(new Claim("fhirUser", fhirUser));
        return services.GetRequiredService<DevelopmentTokenIssuer>().Issue(claims, lifetime ?? TimeSpan.FromHours(1));
    }

    public HttpClient ClientWith(string token)
    {
        var client = new HttpClient { BaseAddress = BaseUri };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public static async Task<WebApplication> StartAsync(string dataDirectory, IReadOnlyDictionary<string, string?> overrides, bool loadSampleData = true)
    {
        var app = await GatewayApplication.BuildAsync(new GatewaySettings
        {
            Paths = new GatewayPaths(dataDirectory, ConfigDirectory),
            Urls = "http://127.0.0.1:0",
            EnvironmentName = "Development",
            LoadSampleData = loadSampleData,
            // Each test gateway takes a free MLLP port, so gateways in parallel never collide on 2575.
            Overrides = new Dictionary<string, string?> { ["Ingestion:Mllp:Endpoint"] = "127.0.0.1:0" }
                .Concat(overrides).GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Last().Value),
        });
        await app.StartAsync();
        return app;
    }

    public virtual async Task DisposeAsync()
    {
        Client?.Dispose();
        Anonymous?.Dispose();
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
