using System.Security.Cryptography;
using DsnGateway.Authentication;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace DsnGateway.Tests.Authentication;

/// <summary>
/// The validation cache, without a gateway around it. Every call gets parameters built anew (new lists, a new
/// configuration object, keys read again from JSON), the way JwtBearer on IdentityModel 8.19+ and a JWKS refresh
/// hand them over: the cache must still hit when the content is the same, and miss when a key, the issuer, the
/// audience or the algorithms differ.
/// </summary>
public class CachingTokenHandlerTests
{
    private const string Issuer = "https://login.example.test/tenant/v2.0";
    private const string Audience = "dsn-gateway";

    private static readonly RsaSecurityKey Key = new(RSA.Create(2048)) { KeyId = "k1" };

    [Fact]
    public async Task The_same_token_with_parameters_rebuilt_for_every_call_is_validated_once()
    {
        var handler = new CachingTokenHandler(TimeProvider.System);
        var token = Issue(Key);

        for (var i = 0; i < 20; i++)
        {
            var result = await handler.ValidateTokenAsync(token, Parameters(Configuration(Issuer, Key)));
            result.IsValid.Should().BeTrue(result.Exception?.Message);
        }

        handler.FullValidations.Should().Be(1, "copies with the same content must be answered from the cache");
        handler.CacheHits.Should().Be(19);
    }

    [Fact]
    public async Task A_rotated_key_with_the_same_kid_is_not_served_from_the_cache()
    {
        var handler = new CachingTokenHandler(TimeProvider.System);
        var token = Issue(Key);
        (await handler.ValidateTokenAsync(token, Parameters(Configuration(Issuer, Key)))).IsValid.Should().BeTrue();

        var rotated = new RsaSecurityKey(RSA.Create(2048)) { KeyId = Key.KeyId };
        var after = await handler.ValidateTokenAsync(token, Parameters(Configuration(Issuer, rotated)));

        after.IsValid.Should().BeFalse("the key that signed the token is no longer the provider's");
        handler.FullValidations.Should().Be(2);
        handler.CacheHits.Should().Be(0);
    }

    [Fact]
    public async Task A_key_withdrawn_from_the_configuration_is_not_served_from_the_cache()
    {
        var handler = new CachingTokenHandler(TimeProvider.System);
        var token = Issue(Key);
        var other = new RsaSecurityKey(RSA.Create(2048)) { KeyId = "k2" };
        (await handler.ValidateTokenAsync(token, Parameters(Configuration(Issuer, Key, other)))).IsValid.Should().BeTrue();

        (await handler.ValidateTokenAsync(token, Parameters(Configuration(Issuer, other)))).IsValid.Should().BeFalse();
        handler.CacheHits.Should().Be(0);
    }

    [Fact]
    public async Task Another_issuer_in_the_configuration_is_not_served_from_the_cache()
    {
        var handler = new CachingTokenHandler(TimeProvider.System);
        var token = Issue(Key);
        (await handler.ValidateTokenAsync(token, Parameters(Configuration(Issuer, Key)))).IsValid.Should().BeTrue();

        var after = await handler.ValidateTokenAsync(token, Parameters(Configuration("https://login.example.test/other-tenant/v2.0", Key)));

        after.IsValid.Should().BeFalse();
        after.Exception.Should().BeOfType<SecurityTokenInvalidIssuerException>();
        handler.CacheHits.Should().Be(0);
    }

    [Fact]
    public async Task Other_valid_issuers_audiences_or_algorithms_in_the_parameters_are_not_served_from_the_cache()
    {
        var handler = new CachingTokenHandler(TimeProvider.System);
        var token = Issue(Key);
        (await handler.ValidateTokenAsync(token, Parameters(Configuration(Issuer, Key)))).IsValid.Should().BeTrue();

        var issuers = Parameters(Configuration(Issuer, Key));
        issuers.ValidIssuers = ["https://elsewhere.test/"];
        (await handler.ValidateTokenAsync(token, issuers)).IsValid.Should().BeTrue("the configuration's issuer still matches");
        var audience = Parameters(Configuration(Issuer, Key));
        audience.ValidAudiences = ["another-api"];
        (await handler.ValidateTokenAsync(token, audience)).IsValid.Should().BeFalse();
        var algorithms = Parameters(Configuration(Issuer, Key));
        algorithms.ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256];
        (await handler.ValidateTokenAsync(token, algorithms)).IsValid.Should().BeFalse();

        handler.CacheHits.Should().Be(0, "each change of the parameters' content must validate again");
        handler.FullValidations.Should().Be(4);
    }

    private static string Issue(SecurityKey key) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = Issuer,
        Audience = Audience,
        Expires = DateTime.UtcNow.AddMinutes(30),
        Claims = new Dictionary<string, object> { ["sub"] = "dr.test" },
        SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
    });

    /// <summary>A configuration as a JWKS fetch makes it: new objects, keys read from their public JSON.</summary>
    private static OpenIdConnectConfiguration Configuration(string issuer, params RsaSecurityKey[] keys)
    {
        var configuration = new OpenIdConnectConfiguration { Issuer = issuer };
        foreach (var key in keys)
        {
            var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(key.Rsa.ExportParameters(false)) { KeyId = key.KeyId });
            configuration.SigningKeys.Add(new JsonWebKey(System.Text.Json.JsonSerializer.Serialize(new { kty = "RSA", kid = jwk.Kid, n = jwk.N, e = jwk.E })));
        }
        return configuration;
    }

    /// <summary>Parameters as JwtBearer hands them to the handler for one request: every list a fresh copy.</summary>
    private static TokenValidationParameters Parameters(OpenIdConnectConfiguration configuration) => new()
    {
        ConfigurationManager = new StaticConfigurationManager<OpenIdConnectConfiguration>(configuration),
        ValidateIssuer = true,
        ValidateAudience = true,
        ValidAudiences = new List<string> { Audience },
        ValidateLifetime = true,
        ValidateIssuerSigningKey = true,
        ValidAlgorithms = new List<string> { SecurityAlgorithms.RsaSha256, SecurityAlgorithms.EcdsaSha256 },
    };
}
