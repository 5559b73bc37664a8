using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace DsnGateway.Tests.Authentication;

/// <summary>
/// The OpenID provider played by WireMock.Net (a discovery document and a JWKS it serves), failing as a real one
/// cannot be made to on demand: its JWKS answering 5xx, answering slower than the gateway's backchannel timeout, or
/// replaced by a new key set. The gateway answers 503 (the token cannot be checked) or 401 (the token is refused),
/// each with an OperationOutcome and an audit record, never hangs, and accepts tokens again once the JWKS answers.
/// A fresh provider and gateway for each test: what the gateway has fetched is the state under test.
/// </summary>
public sealed class ProviderFaultTests : IAsyncLifetime
{
    private const string Search = "fhir/Patient?_count=1";

    private FaultyPeer _provider = null!;
    private FaultTestGateway _gateway = null!;
    private readonly Guid _jwksMapping = Guid.NewGuid();

    private string Issuer => _provider.Url;

    public async Task InitializeAsync()
    {
        _provider = FaultyPeer.Start();
        _provider.Server.Given(WireMock.RequestBuilders.Request.Create().WithPath("/.well-known/openid-configuration").UsingGet()).AtPriority(100)
            .RespondWith(FaultyPeer.Json(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["issuer"] = Issuer,
                ["jwks_uri"] = Issuer + "/jwks",
                ["authorization_endpoint"] = Issuer + "/authorize",
                ["token_endpoint"] = Issuer + "/token",
                ["response_types_supported"] = new[] { "code" },
                ["subject_types_supported"] = new[] { "public" },
                ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
            }), contentType: "application/json"));
        Publish(KeyA);
        _gateway = await FaultTestGateway.StartAsync(new Dictionary<string, string?>
        {
            ["Authentication:Authority"] = Issuer,
            ["Authentication:RequireHttpsMetadata"] = "false",
            ["Authentication:Audience"] = "dsn-gateway",
            ["Authentication:BackchannelTimeoutSeconds"] = FaultTestGateway.DeadlineSeconds.ToString(CultureInfo.InvariantCulture),
            // After a failed fetch the provider is asked again this soon (30 s by default).
            ["Authentication:RefreshIntervalSeconds"] = "1",
        });
        // WireMock's first answer takes a second or more (it warms up): not the gateway's backchannel timeout to pay.
        using var warmUp = new HttpClient();
        (await warmUp.GetAsync(Issuer + "/jwks")).EnsureSuccessStatusCode();
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        _provider.Dispose();
    }

    private static RsaSecurityKey KeyA { get; } = NewKey();

    private static RsaSecurityKey KeyB { get; } = NewKey();

    [Fact]
    public async Task A_JWKS_answering_5xx_is_503_audited_and_the_same_token_is_accepted_once_it_answers_again()
    {
        _provider.Fail(FaultyPeer.Requests("/jwks"), FaultyPeer.Json("""{"error":"server_error"}""", 500, "application/json"));
        var token = Issue(KeyA);

        await _gateway.ShouldFailAuditedAsync(await _gateway.GetAsync(Search, token), HttpStatusCode.ServiceUnavailable);

        _provider.Heal();
        await ShouldRecoverAsync(() => token);
    }

    [Fact]
    public async Task A_JWKS_slower_than_the_backchannel_timeout_is_503_audited_and_tokens_are_accepted_once_it_answers_again()
    {
        _provider.Fail(FaultyPeer.Requests("/jwks"), FaultyPeer.Json(Jwks(KeyA), contentType: "application/json")
            .WithDelay(TimeSpan.FromSeconds(FaultTestGateway.DeadlineSeconds + 5)));

        await _gateway.ShouldFailAuditedAsync(await _gateway.GetAsync(Search, Issue(KeyA)), HttpStatusCode.ServiceUnavailable);

        _provider.Heal();
        await ShouldRecoverAsync(() => Issue(KeyA));
    }

    [Fact]
    public async Task Keys_already_fetched_keep_working_while_the_JWKS_is_down()
    {
        (await _gateway.GetAsync(Search, Issue(KeyA))).Status.Should().Be(HttpStatusCode.OK);

        _provider.Fail(FaultyPeer.Requests("/jwks"), FaultyPeer.Json("""{"error":"server_error"}""", 503, "application/json"));
        var during = await _gateway.GetAsync(Search, Issue(KeyA));

        during.Status.Should().Be(HttpStatusCode.OK, "a token signed by a key the gateway holds needs no fetch: " + during.Body);
    }

    [Fact]
    public async Task A_rotated_key_set_is_fetched_for_the_new_key_and_the_old_key_is_refused_with_401_audited()
    {
        (await _gateway.GetAsync(Search, Issue(KeyA))).Status.Should().Be(HttpStatusCode.OK);

        Publish(KeyB); // the provider's rollover: A leaves the JWKS, B comes in
        var withNewKey = await _gateway.GetAsync(Search, Issue(KeyB));
        withNewKey.Status.Should().Be(HttpStatusCode.OK, "the unknown kid makes the gateway fetch the JWKS again: " + withNewKey.Body);

        var withOldKey = await _gateway.GetAsync(Search, Issue(KeyA));
        withOldKey.Status.Should().Be(HttpStatusCode.Unauthorized, withOldKey.Body);
        withOldKey.ContentType.Should().Be("application/fhir+json");
        var outcome = JsonNode.Parse(withOldKey.Body)!;
        outcome["resourceType"]!.GetValue<string>().Should().Be("OperationOutcome");
        outcome["issue"]![0]!["diagnostics"]!.GetValue<string>().Should().Contain("unknown key");
        var audit = await _gateway.AuditEventAsync(withOldKey.RequestId);
        audit.Should().NotBeNull();
        audit!["outcome"]!.GetValue<string>().Should().Be("4");
    }

    /// <summary>
    /// Once the JWKS answers, tokens are accepted again by the gateway alone: the provider is asked again at most a refresh
    /// interval after the failure, and until then every answer is the same 503 (never a 401, a 500 or a hang).
    /// </summary>
    private async Task ShouldRecoverAsync(Func<string> token)
    {
        FaultAnswer answer;
        var attempts = 0;
        do
        {
            if (attempts++ > 0) await Task.Delay(250);
            answer = await _gateway.GetAsync(Search, token());
            if (answer.Status != HttpStatusCode.OK) answer.Status.Should().Be(HttpStatusCode.ServiceUnavailable, answer.Body);
        }
        while (answer.Status != HttpStatusCode.OK && attempts < 80);
        answer.Status.Should().Be(HttpStatusCode.OK, "the gateway recovers by itself once the JWKS answers: " + answer.Body);
    }

    /// <summary>The JWKS now holds these keys (the mapping is replaced, as a provider's rollover replaces its key set).</summary>
    private void Publish(params RsaSecurityKey[] keys) =>
        _provider.Server.Given(WireMock.RequestBuilders.Request.Create().WithPath("/jwks").UsingGet()).WithGuid(_jwksMapping).AtPriority(100)
            .RespondWith(FaultyPeer.Json(Jwks(keys), contentType: "application/json"));

    private static string Jwks(params RsaSecurityKey[] keys) => JsonSerializer.Serialize(new
    {
        keys = keys.Select(k => JsonWebKeyConverter.ConvertFromRSASecurityKey(k)).Select(j => new { kty = j.Kty, kid = j.Kid, use = "sig", alg = "RS256", n = j.N, e = j.E }),
    });

    /// <summary>A fresh access token (its own jti, so never one the gateway has validated before) of a NIM clinician.</summary>
    private string Issue(RsaSecurityKey key)
    {
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = "dsn-gateway",
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddMinutes(30),
            Claims = new Dictionary<string, object>(TestOpenIdProvider.Clinician()) { ["jti"] = Guid.NewGuid().ToString("N") },
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
            TokenType = "at+jwt",
        });
    }

    private static RsaSecurityKey NewKey() => new(RSA.Create(2048)) { KeyId = "wm-" + Guid.NewGuid().ToString("N")[..8] };
}
