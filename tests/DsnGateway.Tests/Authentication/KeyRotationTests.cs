using System.Net;
using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace DsnGateway.Tests.Authentication;

/// <summary>
/// The provider rolls its signing key over: a token naming the new kid makes the gateway fetch the JWKS again
/// and accept it; the old key, gone from the JWKS, no longer works. Its own provider and gateway, since it
/// changes the provider's keys.
/// </summary>
public class KeyRotationTests(OpenIdGateway gateway) : IClassFixture<OpenIdGateway>
{
    [Fact]
    public async Task A_token_signed_with_a_rotated_key_is_accepted_after_the_JWKS_is_fetched_again_and_the_old_key_is_refused()
    {
        var provider = gateway.Provider;
        var oldKey = provider.CurrentKey;
        var tokenBefore = provider.Issue(TestOpenIdProvider.Clinician());
        var before = await gateway.GetAsync(OpenIdGateway.NimPatient, tokenBefore);
        before.Status.Should().Be(HttpStatusCode.OK, before.Body);
        (await gateway.GetAsync(OpenIdGateway.NimPatient, tokenBefore)).Status.Should().Be(HttpStatusCode.OK, "and again, from the validation cache");
        var fetchesBeforeRotation = provider.JwksRequests;
        fetchesBeforeRotation.Should().BeGreaterThan(0);

        provider.RotateKey();
        provider.CurrentKey.KeyId.Should().NotBe(oldKey.KeyId);
        var withNewKey = await gateway.GetAsync(OpenIdGateway.NimPatient, provider.Issue(TestOpenIdProvider.Clinician()));

        withNewKey.Status.Should().Be(HttpStatusCode.OK, withNewKey.Body);
        provider.JwksRequests.Should().BeGreaterThan(fetchesBeforeRotation, "the unknown kid made the gateway fetch the JWKS again");

        // A token signed with the old key, never seen before (its own jti: not in the validation cache).
        var fresh = TestOpenIdProvider.Clinician();
        fresh["jti"] = Guid.NewGuid().ToString("N");
        var withOldKey = await gateway.GetAsync(OpenIdGateway.NimPatient, provider.Issue(fresh, key: oldKey));
        await gateway.ShouldBeRefusedAndAuditedAsync(withOldKey, "unknown key");

        // The token validated (and cached) before the rollover: the new JWKS ends the cached outcome too.
        await gateway.ShouldBeRefusedAndAuditedAsync(await gateway.GetAsync(OpenIdGateway.NimPatient, tokenBefore), "unknown key");
    }

    [Fact]
    public void The_JWKS_is_fetched_in_line_however_early_IdentityModel_reads_its_switch()
    {
        // IdentityModel keeps the first answer it reads for the life of the process: the switch must be on as soon as
        // the gateway's code is loaded, before any host configures authentication (a test process validates tokens
        // in many ways before; the store command never configures the gateway's authentication at all).
        System.Runtime.CompilerServices.RuntimeHelpers.RunModuleConstructor(typeof(DsnGateway.Hosting.GatewayApplication).Module.ModuleHandle);
        var switches = typeof(SecurityKey).Assembly.GetType("Microsoft.IdentityModel.Tokens.AppContextSwitches")!;
        var blocking = switches.GetProperty("UpdateConfigAsBlocking", System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Public)!;
        blocking.GetValue(null).Should().Be(true, "a rotated key's first token must be accepted, not refused while the new JWKS loads in the background");
    }

    [Fact]
    public async Task Tokens_naming_ever_new_unknown_kids_do_not_make_the_gateway_fetch_the_JWKS_for_each()
    {
        var provider = gateway.Provider;
        // A first unknown kid may fetch the JWKS once (the refresh interval allows one)...
        var first = new RsaSecurityKey(RSA.Create(2048)) { KeyId = "unknown-" + Guid.NewGuid().ToString("N") };
        await gateway.ShouldBeRefusedAndAuditedAsync(await gateway.GetAsync(OpenIdGateway.NimPatient, provider.Issue(TestOpenIdProvider.Clinician(), key: first)), "unknown key");
        var fetches = provider.JwksRequests;

        // ...but a flood of them right after must not turn into a flood of requests to the provider. The keys are made
        // first (RSA key generation is slow on a loaded machine), and the flood may earn one more fetch per refresh
        // interval it lasts (30 s by default): on a machine loaded enough to take that long, that one is allowed.
        var keys = Enumerable.Range(0, 10).Select(_ => new RsaSecurityKey(RSA.Create(2048)) { KeyId = "unknown-" + Guid.NewGuid().ToString("N") }).ToList();
        var flood = System.Diagnostics.Stopwatch.StartNew();
        foreach (var key in keys)
        {
            var answer = await gateway.GetAsync(OpenIdGateway.NimPatient, provider.Issue(TestOpenIdProvider.Clinician(), key: key));
            answer.Status.Should().Be(HttpStatusCode.Unauthorized);
        }
        var intervals = (int)(flood.Elapsed.TotalSeconds / new DsnGateway.Authentication.GatewayAuthenticationOptions().RefreshIntervalSeconds);

        provider.JwksRequests.Should().BeLessThanOrEqualTo(fetches + intervals, "refreshes on an unknown kid are throttled to one per refresh interval");
    }
}
