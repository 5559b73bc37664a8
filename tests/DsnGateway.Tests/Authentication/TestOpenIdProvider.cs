using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace DsnGateway.Tests.Authentication;

/// <summary>
/// A real OpenID provider for the tests, on its own Kestrel port: a discovery document and a JWKS with real
/// RSA and EC keys, which a test can rotate. Tokens are signed by the test with the same keys. The gateway
/// learns the keys only the way it would from Entra ID or Keycloak: over HTTP.
/// </summary>
public sealed partial class TestOpenIdProvider : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly object _gate = new();
    private List<SecurityKey> _published = [];

    private TestOpenIdProvider(WebApplication app) => _app = app;

    public string Issuer { get; private set; } = "";

    public RsaSecurityKey CurrentKey { get; private set; } = NewRsaKey();

    public ECDsaSecurityKey EcKey { get; } = new(ECDsa.Create(ECCurve.NamedCurves.nistP256)) { KeyId = "ec-" + Guid.NewGuid().ToString("N")[..8] };

    public int JwksRequests { get; private set; }

    public static async Task<TestOpenIdProvider> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var provider = new TestOpenIdProvider(app);
        app.MapGet("/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = provider.Issuer,
            ["jwks_uri"] = provider.Issuer + "/jwks",
            ["authorization_endpoint"] = provider.Issuer + "/authorize",
            ["token_endpoint"] = provider.Issuer + "/token",
            ["response_types_supported"] = new[] { "code" },
            ["subject_types_supported"] = new[] { "public" },
            ["id_token_signing_alg_values_supported"] = new[] { "RS256", "ES256" },
        }));
        app.MapGet("/jwks", () =>
        {
            lock (provider._gate)
            {
                provider.JwksRequests++;
                var keys = provider._published.Select(k => JsonWebKeyConverter.ConvertFromSecurityKey(k)).Select(Public).ToList();
                return Results.Text(JsonSerializer.Serialize(new { keys }), "application/json");
            }
        });
        MapClientCredentials(app, provider);
        await app.StartAsync();
        provider.Issuer = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        provider._published = [provider.CurrentKey, provider.EcKey];
        return provider;
    }

    /// <summary>A new signing key; the old one leaves the JWKS (as at a provider's key rollover).</summary>
    public void RotateKey()
    {
        lock (_gate)
        {
            CurrentKey = NewRsaKey();
            _published = [CurrentKey, EcKey];
        }
    }

    public string Issue(IDictionary<string, object> claims, SecurityKey? key = null, string algorithm = SecurityAlgorithms.RsaSha256,
        string? issuer = null, string audience = "dsn-gateway", DateTime? notBefore = null, DateTime? expires = null, string? tokenType = "at+jwt")
    {
        var now = DateTime.UtcNow;
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = issuer ?? Issuer,
            Audience = audience,
            IssuedAt = (notBefore ?? now) < now ? notBefore : now,
            NotBefore = notBefore ?? now,
            Expires = expires ?? now.AddMinutes(30),
            Claims = claims,
            SigningCredentials = new SigningCredentials(key ?? CurrentKey, algorithm),
            TokenType = tokenType,
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }

    /// <summary>The claims of a clinician of NIM reading everything clinical.</summary>
    public static Dictionary<string, object> Clinician(string establishment = "NIM", string scope = "user/*.rs") => new()
    {
        ["sub"] = "dr.test",
        ["scope"] = scope,
        ["role"] = "clinician",
        ["establishment"] = establishment,
        ["fhirUser"] = "Practitioner/95112",
        ["client_id"] = "test-app",
    };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static RsaSecurityKey NewRsaKey() => new(RSA.Create(2048)) { KeyId = "rsa-" + Guid.NewGuid().ToString("N")[..8] };

    private static Dictionary<string, object?> Public(JsonWebKey jwk)
    {
        var key = new Dictionary<string, object?> { ["kty"] = jwk.Kty, ["kid"] = jwk.Kid, ["use"] = "sig" };
        if (jwk.Kty == "RSA")
        {
            key["n"] = jwk.N;
            key["e"] = jwk.E;
            key["alg"] = "RS256";
        }
        else
        {
            key["crv"] = jwk.Crv;
            key["x"] = jwk.X;
            key["y"] = jwk.Y;
            key["alg"] = "ES256";
        }
        return key;
    }
}
