using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using DsnGateway.Authentication;
using DsnGateway.Hosting;
using DsnGateway.Runtime;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace DsnGateway.Tests.Authentication;

/// <summary>
/// Outside Development the gateway trusts only the configured OpenID provider: it refuses to start with the
/// development issuer or without an Authority, and with an Authority it accepts the provider's tokens.
/// </summary>
public sealed class StartupSecurityTests : IAsyncLifetime
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "dsn-gateway-tests", Guid.NewGuid().ToString("N"));
    private TestOpenIdProvider _provider = null!;

    public async Task InitializeAsync() => _provider = await TestOpenIdProvider.StartAsync();

    public async Task DisposeAsync()
    {
        await _provider.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dataDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private GatewaySettings Production(Dictionary<string, string?> overrides) => new()
    {
        Paths = new GatewayPaths(_dataDirectory, GatewayFixture.ConfigDirectory),
        Urls = "http://127.0.0.1:0",
        EnvironmentName = "Production",
        LoadSampleData = false,
        Mllp = "127.0.0.1:0",
        Overrides = overrides,
    };

    [Fact]
    public async Task Production_refuses_to_start_with_the_development_issuer_enabled()
    {
        var settings = Production(new()
        {
            ["Authentication:DevelopmentIssuer:Enabled"] = "true",
            ["Authentication:Authority"] = _provider.Issuer,
            ["Authentication:RequireHttpsMetadata"] = "false",
        });

        var start = () => GatewayApplication.BuildAsync(settings);

        (await start.Should().ThrowAsync<GatewayStartupException>())
            .Which.Message.Should().Contain("Production").And.Contain("development token issuer").And.Contain("Authentication:DevelopmentIssuer:Enabled");
        File.Exists(DevelopmentTokenIssuer.KeyPath(_dataDirectory)).Should().BeFalse("no development key is made when the issuer is refused");
    }

    [Fact]
    public async Task Production_refuses_to_start_without_an_Authority()
    {
        var start = () => GatewayApplication.BuildAsync(Production(new()));

        (await start.Should().ThrowAsync<GatewayStartupException>())
            .Which.Message.Should().Contain("Authentication:Authority");
    }

    [Fact]
    public async Task Production_with_an_Authority_starts_and_accepts_only_the_providers_tokens()
    {
        await using var app = await GatewayApplication.BuildAsync(Production(new()
        {
            ["Authentication:Authority"] = _provider.Issuer,
            ["Authentication:RequireHttpsMetadata"] = "false",
            ["Authentication:Audience"] = "dsn-gateway",
            ["Audit:Checkpoints:CreateKey"] = "true",
        }));
        await app.StartAsync();
        try
        {
            app.Services.GetService<DevelopmentTokenIssuer>().Should().BeNull();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            using var http = new HttpClient { BaseAddress = new Uri(address.TrimEnd('/') + "/") };

            // No sample data in Production: the read gets past authentication and finds nothing.
            using var accepted = await SendAsync(http, _provider.Issue(TestOpenIdProvider.Clinician()));
            accepted.StatusCode.Should().Be(HttpStatusCode.NotFound, await accepted.Content.ReadAsStringAsync());

            using var anonymous = await SendAsync(http, null);
            anonymous.StatusCode.Should().Be(HttpStatusCode.Unauthorized);

            // A development-issuer token (a key of its own, in this very data directory) is worth nothing here.
            var development = DevelopmentTokenIssuer.Open(_dataDirectory, "urn:dsn:development-issuer", "dsn-gateway");
            var developmentToken = development.Issue(
                [new Claim("sub", "dr.dev"), new Claim("scope", "user/*.rs"), new Claim("role", "clinician"), new Claim("establishment", "NIM")], TimeSpan.FromHours(1));
            using var refused = await SendAsync(http, developmentToken);
            refused.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        }
        finally
        {
            await app.StopAsync();
        }
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient http, string? token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, OpenIdGateway.NimPatient);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http.SendAsync(request);
    }
}

/// <summary>Development with the development issuer switched off: the provider alone is trusted.</summary>
public class DevelopmentIssuerDisabledTests(DevelopmentIssuerDisabledTests.ProviderOnlyGateway gateway) : IClassFixture<DevelopmentIssuerDisabledTests.ProviderOnlyGateway>
{
    public sealed class ProviderOnlyGateway : OpenIdGateway
    {
        protected override IReadOnlyDictionary<string, string?> ExtraOverrides => new Dictionary<string, string?>
        {
            ["Authentication:DevelopmentIssuer:Enabled"] = "false",
        };
    }

    [Fact]
    public async Task The_providers_token_is_accepted_and_a_development_token_is_refused_and_audited()
    {
        gateway.Services.GetService<DevelopmentTokenIssuer>().Should().BeNull();

        var accepted = await gateway.GetAsync(OpenIdGateway.NimPatient, gateway.Provider.Issue(TestOpenIdProvider.Clinician()));
        accepted.Status.Should().Be(HttpStatusCode.OK, accepted.Body);

        var development = DevelopmentTokenIssuer.Open(gateway.DataDirectory, "urn:dsn:development-issuer", "dsn-gateway");
        var developmentToken = development.Issue(
            [new Claim("sub", "dr.dev"), new Claim("scope", "user/*.rs"), new Claim("role", "clinician"), new Claim("establishment", "NIM")], TimeSpan.FromHours(1));
        var refused = await gateway.GetAsync(OpenIdGateway.NimPatient, developmentToken);
        await gateway.ShouldBeRefusedAndAuditedAsync(refused, "the token");
    }

    [Fact]
    public async Task A_provider_signed_token_claiming_the_development_issuer_is_refused()
    {
        var token = gateway.Provider.Issue(TestOpenIdProvider.Clinician(), issuer: "urn:dsn:development-issuer");

        await gateway.ShouldBeRefusedAndAuditedAsync(await gateway.GetAsync(OpenIdGateway.NimPatient, token), "issuer");
    }
}
