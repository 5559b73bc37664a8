using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using DsnGateway.Audit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace DsnGateway.Tests.Authentication;

/// <summary>
/// A <see cref="TestOpenIdProvider"/> and a real gateway (Kestrel, sample data, Development) that trusts it:
/// Authority the provider's issuer, plain http metadata, audience dsn-gateway, plus any further overrides.
/// </summary>
public class OpenIdGateway : IAsyncLifetime
{
    public const string NimPatient = "fhir/Patient/sample-nim-tremblay";

    private WebApplication? _app;
    private HttpClient? _http;

    public TestOpenIdProvider Provider { get; private set; } = null!;

    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "dsn-gateway-tests", Guid.NewGuid().ToString("N"));

    public IServiceProvider Services => _app!.Services;

    public Uri BaseUri { get; private set; } = null!;

    protected virtual IReadOnlyDictionary<string, string?> ExtraOverrides => new Dictionary<string, string?>();

    protected virtual Task<TestOpenIdProvider> StartProviderAsync() => TestOpenIdProvider.StartAsync();

    /// <summary>How the gateway is told to trust the provider: by default mode Oidc with the provider as Authority.</summary>
    protected virtual IReadOnlyDictionary<string, string?> ProviderOverrides(TestOpenIdProvider provider) => new Dictionary<string, string?>
    {
        ["Authentication:Authority"] = provider.Issuer,
        ["Authentication:RequireHttpsMetadata"] = "false",
        ["Authentication:Audience"] = "dsn-gateway",
    };

    public async Task InitializeAsync()
    {
        Provider = await StartProviderAsync();
        var overrides = new Dictionary<string, string?>(ProviderOverrides(Provider));
        foreach (var (key, value) in ExtraOverrides) overrides[key] = value;
        _app = await GatewayFixture.StartAsync(DataDirectory, overrides);
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseUri = new Uri(address.TrimEnd('/') + "/");
        _http = new HttpClient { BaseAddress = BaseUri };
    }

    public async Task DisposeAsync()
    {
        _http?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        if (Provider is not null) await Provider.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(DataDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>GET with this bearer token (or none) and a fresh X-Request-Id, which the audit record carries.</summary>
    public Task<Answer> GetAsync(string path, string? token) => SendAsync(HttpMethod.Get, path, token);

    /// <summary>Any method, with this bearer token (or none), an empty FHIR JSON body for POST and PUT, and a fresh X-Request-Id.</summary>
    public async Task<Answer> SendAsync(HttpMethod method, string path, string? token)
    {
        using var request = new HttpRequestMessage(method, path);
        if (method == HttpMethod.Post || method == HttpMethod.Put) request.Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/fhir+json");
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var requestId = "authtest-" + Guid.NewGuid().ToString("N");
        request.Headers.Add("X-Request-Id", requestId);
        using var response = await _http!.SendAsync(request);
        return new Answer(response.StatusCode, await response.Content.ReadAsStringAsync(), response.Content.Headers.ContentType?.MediaType,
            [.. response.Headers.WwwAuthenticate], requestId);
    }

    /// <summary>The AuditEvent the gateway wrote for one request, read from its audit store.</summary>
    public async Task<JsonObject?> AuditEventAsync(string requestId)
    {
        var search = Services.GetRequiredService<AuditSearch>();
        var page = await search.SearchAsync(new AuditSearchQuery { Count = AuditSearchQuery.MaxCount }, CancellationToken.None);
        return page.Matches
            .Select(m => JsonNode.Parse(m.Json)!.AsObject())
            .SingleOrDefault(e => RequestIdOf(e) == requestId);
    }

    public static string? RequestIdOf(JsonObject auditEvent) =>
        auditEvent["entity"]?.AsArray()
            .FirstOrDefault(e => e?["type"]?["code"]?.GetValue<string>() == "XrequestId")?["what"]?["identifier"]?["value"]?.GetValue<string>();

    /// <summary>
    /// The refusal a bad token must get: 401, an OperationOutcome, a Bearer challenge, and a flagged audit
    /// record with outcome 4 whose description carries the reason.
    /// </summary>
    public async Task<JsonObject> ShouldBeRefusedAndAuditedAsync(Answer answer, string reason)
    {
        answer.Status.Should().Be(HttpStatusCode.Unauthorized, answer.Body);
        answer.ContentType.Should().Be("application/fhir+json");
        var outcome = JsonNode.Parse(answer.Body)!.AsObject();
        outcome["resourceType"]!.GetValue<string>().Should().Be("OperationOutcome");
        outcome["issue"]![0]!["code"]!.GetValue<string>().Should().Be("login");
        outcome["issue"]![0]!["diagnostics"]!.GetValue<string>().Should().Contain(reason);
        answer.Challenges.Should().ContainSingle().Which.Scheme.Should().Be("Bearer");

        var audit = await AuditEventAsync(answer.RequestId);
        audit.Should().NotBeNull($"the refusal of request {answer.RequestId} must be audited");
        audit!["outcome"]!.GetValue<string>().Should().Be("4");
        audit["outcomeDesc"]!.GetValue<string>().Should().StartWith("HTTP 401").And.Contain(reason);
        audit["meta"]!["tag"]!.AsArray()
            .Should().Contain(t => t!["system"]!.GetValue<string>() == AuditCodes.FlagSystem && t["code"]!.GetValue<string>() == AuditCodes.FlagCode);
        return audit;
    }

    public sealed record Answer(HttpStatusCode Status, string Body, string? ContentType, IReadOnlyList<AuthenticationHeaderValue> Challenges, string RequestId);
}
