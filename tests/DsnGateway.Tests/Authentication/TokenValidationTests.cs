using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DsnGateway.Authentication;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;

namespace DsnGateway.Tests.Authentication;

/// <summary>
/// Tokens from a real OpenID provider (discovery and JWKS over HTTP) against a real gateway, over real HTTP:
/// every bad token is refused with 401, an OperationOutcome, a Bearer challenge and a flagged audit record.
/// </summary>
public class TokenValidationTests(OpenIdGateway gateway) : IClassFixture<OpenIdGateway>
{
    private const string Patient = OpenIdGateway.NimPatient;

    private TestOpenIdProvider Provider => gateway.Provider;

    [Fact]
    public async Task A_valid_provider_token_reads_the_patient()
    {
        var answer = await gateway.GetAsync(Patient, Provider.Issue(TestOpenIdProvider.Clinician()));

        answer.Status.Should().Be(HttpStatusCode.OK, answer.Body);
        JsonNode.Parse(answer.Body)!["id"]!.GetValue<string>().Should().Be("sample-nim-tremblay");
        var audit = await gateway.AuditEventAsync(answer.RequestId);
        audit!["outcome"]!.GetValue<string>().Should().Be("0");
        audit["meta"].Should().BeNull("a granted read is not a security alert");
    }

    [Fact]
    public async Task No_token_is_refused_and_audited()
    {
        var answer = await gateway.GetAsync(Patient, null);

        await gateway.ShouldBeRefusedAndAuditedAsync(answer, "no bearer token was sent");
    }

    [Fact]
    public async Task No_token_refusal_is_found_by_a_privacy_officer_on_the_AuditEvent_endpoint()
    {
        var refused = await gateway.GetAsync(Patient, null);
        refused.Status.Should().Be(HttpStatusCode.Unauthorized);

        // The development issuer stays enabled in Development beside the provider: a privacy officer's token.
        var officer = GatewayFixture.IssueToken(gateway.Services, role: "privacy-officer", scope: "user/AuditEvent.rs", establishment: null, subject: "po.test", fhirUser: null);
        var search = await gateway.GetAsync("fhir/AuditEvent?outcome=4&_tag=urn:dsn:audit|flagged&_count=1000", officer);

        search.Status.Should().Be(HttpStatusCode.OK, search.Body);
        var events = JsonNode.Parse(search.Body)!["entry"]!.AsArray().Select(e => e!["resource"]!.AsObject()).ToList();
        var audit = events.Should().ContainSingle(e => OpenIdGateway.RequestIdOf(e) == refused.RequestId).Subject;
        audit["outcome"]!.GetValue<string>().Should().Be("4");
        audit["outcomeDesc"]!.GetValue<string>().Should().Contain("no bearer token");
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("abc.def.ghi")]
    [InlineData("eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2lnbmF0dXJl")]
    public async Task A_malformed_token_is_refused_and_audited(string token)
    {
        var answer = await gateway.GetAsync(Patient, token);

        await gateway.ShouldBeRefusedAndAuditedAsync(answer, "malformed");
    }

    [Fact]
    public async Task A_token_expired_beyond_the_clock_skew_is_refused_and_audited()
    {
        var now = DateTime.UtcNow;
        var token = Provider.Issue(TestOpenIdProvider.Clinician(), notBefore: now.AddHours(-1), expires: now.AddMinutes(-5));

        await gateway.ShouldBeRefusedAndAuditedAsync(await gateway.GetAsync(Patient, token), "expired");
    }

    [Fact]
    public async Task A_token_expired_within_the_sixty_second_clock_skew_is_accepted()
    {
        var now = DateTime.UtcNow;
        var token = Provider.Issue(TestOpenIdProvider.Clinician(), notBefore: now.AddHours(-1), expires: now.AddSeconds(-30));

        var answer = await gateway.GetAsync(Patient, token);

        answer.Status.Should().Be(HttpStatusCode.OK, answer.Body);
    }

    [Fact]
    public async Task A_token_not_yet_valid_is_refused_and_audited()
    {
        var now = DateTime.UtcNow;
        var token = Provider.Issue(TestOpenIdProvider.Clinician(), notBefore: now.AddMinutes(5), expires: now.AddMinutes(35));

        await gateway.ShouldBeRefusedAndAuditedAsync(await gateway.GetAsync(Patient, token), "not yet valid");
    }

    [Fact]
    public async Task A_token_of_another_issuer_is_refused_and_audited()
    {
        var token = Provider.Issue(TestOpenIdProvider.Clinician(), issuer: "https://login.example.org/other-tenant");

        await gateway.ShouldBeRefusedAndAuditedAsync(await gateway.GetAsync(Patient, token), "issuer");
    }

    [Fact]
    public async Task A_token_for_another_audience_is_refused_and_audited()
    {
        var token = Provider.Issue(TestOpenIdProvider.Clinician(), audience: "some-other-api");

        await gateway.ShouldBeRefusedAndAuditedAsync(await gateway.GetAsync(Patient, token), "audience");
    }

    [Fact]
    public async Task A_token_with_an_altered_signature_is_refused_and_audited()
    {
        var token = Provider.Issue(TestOpenIdProvider.Clinician());
        var valid = await gateway.GetAsync(Patient, token);
        valid.Status.Should().Be(HttpStatusCode.OK, "the unaltered token is good");

        // Change characters well inside the signature (the very last base64url character may carry only padding bits).
        var chars = token.ToCharArray();
        for (var i = chars.Length - 12; i < chars.Length - 4; i++) chars[i] = chars[i] == 'A' ? 'B' : 'A';
        var altered = new string(chars);

        await gateway.ShouldBeRefusedAndAuditedAsync(await gateway.GetAsync(Patient, altered), "signature");
    }

    [Fact]
    public async Task A_token_signed_by_a_key_outside_the_JWKS_under_a_published_kid_is_refused_and_audited()
    {
        var impostor = new RsaSecurityKey(RSA.Create(2048)) { KeyId = Provider.CurrentKey.KeyId };
        var token = Provider.Issue(TestOpenIdProvider.Clinician(), key: impostor);

        await gateway.ShouldBeRefusedAndAuditedAsync(await gateway.GetAsync(Patient, token), "signature");
    }

    [Fact]
    public async Task An_unsigned_alg_none_token_is_refused_and_audited()
    {
        var now = DateTimeOffset.UtcNow;
        var payload = new Dictionary<string, object>(TestOpenIdProvider.Clinician())
        {
            ["iss"] = Provider.Issuer,
            ["aud"] = "dsn-gateway",
            ["iat"] = now.ToUnixTimeSeconds(),
            ["nbf"] = now.ToUnixTimeSeconds(),
            ["exp"] = now.AddMinutes(30).ToUnixTimeSeconds(),
        };
        var token = Base64Url("""{"alg":"none","typ":"JWT"}""") + "." + Base64Url(JsonSerializer.Serialize(payload)) + ".";

        await gateway.ShouldBeRefusedAndAuditedAsync(await gateway.GetAsync(Patient, token), "the token");
    }

    [Fact]
    public async Task An_HS256_token_keyed_with_the_providers_RSA_public_key_is_refused_and_audited()
    {
        // The classic algorithm confusion: the attacker knows the public key and uses it as an HMAC secret.
        var rsa = Provider.CurrentKey.Rsa;
        foreach (var secret in new[] { Encoding.UTF8.GetBytes(rsa.ExportSubjectPublicKeyInfoPem()), rsa.ExportSubjectPublicKeyInfo(), rsa.ExportRSAPublicKey() })
        {
            var hmac = new SymmetricSecurityKey(secret) { KeyId = Provider.CurrentKey.KeyId };
            var token = Provider.Issue(TestOpenIdProvider.Clinician(), key: hmac, algorithm: SecurityAlgorithms.HmacSha256);
            var header = JsonNode.Parse(Base64UrlEncoder.Decode(token.Split('.')[0]))!;
            header["alg"]!.GetValue<string>().Should().Be("HS256");
            header["kid"]!.GetValue<string>().Should().Be(Provider.CurrentKey.KeyId);

            await gateway.ShouldBeRefusedAndAuditedAsync(await gateway.GetAsync(Patient, token), "the token");
        }
    }

    [Theory]
    [InlineData("JWT")]
    [InlineData("at+jwt")]
    [InlineData("application/at+jwt")]
    [InlineData(null)]
    public async Task Access_token_types_are_accepted(string? type)
    {
        var token = Provider.Issue(TestOpenIdProvider.Clinician(), tokenType: type);

        var answer = await gateway.GetAsync(Patient, token);

        answer.Status.Should().Be(HttpStatusCode.OK, answer.Body);
    }

    [Theory]
    [InlineData("id+jwt")]
    [InlineData("logout+jwt")]
    public async Task Tokens_of_other_types_are_refused_and_audited(string type)
    {
        var token = Provider.Issue(TestOpenIdProvider.Clinician(), tokenType: type);

        await gateway.ShouldBeRefusedAndAuditedAsync(await gateway.GetAsync(Patient, token), "not an access token");
    }

    [Fact]
    public async Task An_ES256_token_signed_with_the_providers_EC_key_is_accepted()
    {
        var token = Provider.Issue(TestOpenIdProvider.Clinician(), key: Provider.EcKey, algorithm: SecurityAlgorithms.EcdsaSha256);
        JsonNode.Parse(Base64UrlEncoder.Decode(token.Split('.')[0]))!["alg"]!.GetValue<string>().Should().Be("ES256");

        var answer = await gateway.GetAsync(Patient, token);

        answer.Status.Should().Be(HttpStatusCode.OK, answer.Body);
    }

    [Fact]
    public async Task The_same_token_used_twenty_times_is_accepted_every_time()
    {
        // Its own jti: another test's token issued in the same second would be the same string, already cached.
        var claims = TestOpenIdProvider.Clinician();
        claims["jti"] = Guid.NewGuid().ToString("N");
        var token = Provider.Issue(claims);

        var handler = gateway.Services.GetRequiredService<CachingTokenHandler>();
        var validationsBefore = handler.FullValidations;

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 20; i++) statuses.Add((await gateway.GetAsync(Patient, token)).Status);

        statuses.Should().HaveCount(20).And.AllBeEquivalentTo(HttpStatusCode.OK);
        // Tests of this class run one at a time, so every full validation in between was this token's.
        (handler.FullValidations - validationsBefore).Should().Be(1, "the token is validated once and then answered from the cache");
    }

    [Fact]
    public async Task A_cached_good_token_does_not_make_an_altered_copy_good()
    {
        var token = Provider.Issue(TestOpenIdProvider.Clinician());
        (await gateway.GetAsync(Patient, token)).Status.Should().Be(HttpStatusCode.OK);

        var parts = token.Split('.');
        var claims = JsonNode.Parse(Base64UrlEncoder.Decode(parts[1]))!.AsObject();
        claims["establishment"] = "MCQ";
        var forged = parts[0] + "." + Base64Url(claims.ToJsonString()) + "." + parts[2];

        await gateway.ShouldBeRefusedAndAuditedAsync(await gateway.GetAsync(Patient, forged), "signature");
    }

    // Required claims: a validly signed token that lacks what its role needs is refused, naming the claim.

    [Fact]
    public async Task A_token_without_sub_is_refused_naming_the_claim()
    {
        var claims = TestOpenIdProvider.Clinician();
        claims.Remove("sub");

        await gateway.ShouldBeRefusedAndAuditedAsync(await gateway.GetAsync(Patient, Provider.Issue(claims)), "'sub'");
    }

    [Fact]
    public async Task A_token_without_role_is_refused_naming_the_claim()
    {
        var claims = TestOpenIdProvider.Clinician();
        claims.Remove("role");

        await gateway.ShouldBeRefusedAndAuditedAsync(await gateway.GetAsync(Patient, Provider.Issue(claims)), "'role'");
    }

    [Fact]
    public async Task A_token_with_an_unknown_role_is_refused_naming_it()
    {
        var claims = TestOpenIdProvider.Clinician();
        claims["role"] = "superuser";

        await gateway.ShouldBeRefusedAndAuditedAsync(await gateway.GetAsync(Patient, Provider.Issue(claims)), "role 'superuser'");
    }

    [Theory]
    [InlineData("Médecin")]
    [InlineData("nurse\r\nX-Injected: yes")]
    [InlineData("back\\slash \"quoted\"")]
    public async Task A_token_with_an_unknown_role_a_header_cannot_carry_verbatim_is_still_refused_with_a_clean_challenge(string role)
    {
        // A provider's roles are its own words, often French: the challenge carries them as plain RFC 6750 text.
        var claims = TestOpenIdProvider.Clinician();
        claims["role"] = role;

        var answer = await gateway.GetAsync(Patient, Provider.Issue(claims));

        await gateway.ShouldBeRefusedAndAuditedAsync(answer, "is not one of");
        var challenge = answer.Challenges.Single().Parameter!;
        challenge.Should().Contain("error=\"invalid_token\"");
        var description = challenge[(challenge.IndexOf("error_description=\"", StringComparison.Ordinal) + "error_description=\"".Length)..^1];
        description.Should().MatchRegex(@"^[\x20\x21\x23-\x5B\x5D-\x7E]*$", "RFC 6750 error_description is printable ASCII without quote or backslash");
    }

    [Fact]
    public async Task A_clinician_token_without_establishment_is_refused_naming_the_claim()
    {
        var claims = TestOpenIdProvider.Clinician();
        claims.Remove("establishment");

        var audit = await gateway.ShouldBeRefusedAndAuditedAsync(await gateway.GetAsync(Patient, Provider.Issue(claims)), "'establishment'");
        audit["outcomeDesc"]!.GetValue<string>().Should().Contain("clinician");
    }

    [Fact]
    public async Task A_patient_scope_without_patient_claim_is_refused_naming_the_claim()
    {
        var claims = TestOpenIdProvider.Clinician(scope: "patient/Patient.rs");

        await gateway.ShouldBeRefusedAndAuditedAsync(await gateway.GetAsync(Patient, Provider.Issue(claims)), "'patient'");
    }

    [Fact]
    public async Task A_token_without_any_resource_scope_is_refused()
    {
        var claims = TestOpenIdProvider.Clinician(scope: "openid fhirUser launch/patient");

        await gateway.ShouldBeRefusedAndAuditedAsync(await gateway.GetAsync(Patient, Provider.Issue(claims)), "no SMART resource scope in 'scope'");
    }

    [Fact]
    public async Task A_token_without_any_scope_claim_is_refused()
    {
        var claims = TestOpenIdProvider.Clinician();
        claims.Remove("scope");

        await gateway.ShouldBeRefusedAndAuditedAsync(await gateway.GetAsync(Patient, Provider.Issue(claims)), "no SMART resource scope");
    }

    private static string Base64Url(string text) => Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(text));
}
