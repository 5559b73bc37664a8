using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
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

    /// <summary>Entra-shaped only: the HTTPS address the provider is served at (the issuer names login.microsoftonline.com).</summary>
    public string BaseAddress { get; private set; } = "";

    /// <summary>Entra-shaped only: the tenant whose v2.0 metadata is served.</summary>
    public string? TenantId { get; private set; }

    /// <summary>Entra-shaped only: the provider's self-signed development certificate (public part, PEM), for the gateway to pin.</summary>
    public string? CertificatePath { get; private set; }

    public static Task<TestOpenIdProvider> StartAsync() =>
        StartCoreAsync(builder => builder.WebHost.UseUrls("http://127.0.0.1:0"), address => (address, "/.well-known/openid-configuration", "/jwks"));

    /// <summary>
    /// A provider shaped like Microsoft Entra ID: HTTPS with a self-signed development certificate, the tenant's v2.0
    /// metadata at <c>/{tenant}/v2.0/.well-known/openid-configuration</c>, its keys at <c>/{tenant}/discovery/v2.0/keys</c>,
    /// and the issuer Entra's <c>https://login.microsoftonline.com/{tenant}/v2.0</c>, though served locally.
    /// </summary>
    public static async Task<TestOpenIdProvider> StartEntraShapedAsync(string tenantId)
    {
        using var certificate = DevelopmentCertificate();
        var pemPath = Path.Combine(Path.GetTempPath(), "dsn-gateway-tests", "provider-" + Guid.NewGuid().ToString("N") + ".pem");
        Directory.CreateDirectory(Path.GetDirectoryName(pemPath)!);
        await File.WriteAllTextAsync(pemPath, certificate.ExportCertificatePem());
        // Reloaded from PKCS#12 so that Kestrel's TLS stack gets a key it can use on every platform.
        var serving = X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
        var provider = await StartCoreAsync(
            builder => builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(serving))),
            _ => ($"https://login.microsoftonline.com/{tenantId}/v2.0", $"/{tenantId}/v2.0/.well-known/openid-configuration", $"/{tenantId}/discovery/v2.0/keys"));
        provider.TenantId = tenantId;
        provider.CertificatePath = pemPath;
        return provider;
    }

    private static async Task<TestOpenIdProvider> StartCoreAsync(Action<WebApplicationBuilder> host, Func<string, (string Issuer, string Metadata, string Jwks)> shape)
    {
        var builder = WebApplication.CreateSlimBuilder();
        host(builder);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var provider = new TestOpenIdProvider(app);
        string metadataPath = "", jwksPath = "";
        app.MapGet("{**path}", (string path) =>
        {
            if ("/" + path == metadataPath)
            {
                return Results.Json(new Dictionary<string, object>
                {
                    ["issuer"] = provider.Issuer,
                    ["jwks_uri"] = provider.BaseAddress + jwksPath,
                    ["authorization_endpoint"] = provider.BaseAddress + "/authorize",
                    ["token_endpoint"] = provider.BaseAddress + "/token",
                    ["response_types_supported"] = new[] { "code" },
                    ["subject_types_supported"] = new[] { "public" },
                    ["id_token_signing_alg_values_supported"] = new[] { "RS256", "ES256" },
                });
            }
            if ("/" + path != jwksPath) return Results.NotFound();
            lock (provider._gate)
            {
                provider.JwksRequests++;
                var keys = provider._published.Select(k => JsonWebKeyConverter.ConvertFromSecurityKey(k)).Select(Public).ToList();
                return Results.Text(JsonSerializer.Serialize(new { keys }), "application/json");
            }
        });
        MapClientCredentials(app, provider);
        MapEntraClientCredentials(app, provider);
        await app.StartAsync();
        provider.BaseAddress = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        (provider.Issuer, metadataPath, jwksPath) = shape(provider.BaseAddress);
        provider._published = [provider.CurrentKey, provider.EcKey];
        return provider;
    }

    /// <summary>A self-signed server certificate for 127.0.0.1 and localhost, made for this run and trusted by nothing but what pins it.</summary>
    private static X509Certificate2 DevelopmentCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=dsn-test-provider", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
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
        if (CertificatePath is not null) File.Delete(CertificatePath);
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
