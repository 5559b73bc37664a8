using System.Net;

namespace DsnGateway.Tests.Authentication;

/// <summary>
/// Entra ID rolls its signing keys over (it publishes new keys in the tenant's JWKS and retires old ones): a token
/// naming the new kid makes the gateway fetch the tenant's keys again over the pinned HTTPS backchannel and accept it;
/// a token signed with the retired key is refused and audited. Its own provider and gateway, since it changes the keys.
/// </summary>
public class EntraIdKeyRotationTests(EntraIdModeTests.EntraIdGateway gateway) : IClassFixture<EntraIdModeTests.EntraIdGateway>
{
    [Fact]
    public async Task After_Entras_key_rollover_tokens_with_the_new_key_are_accepted_and_the_retired_key_is_refused()
    {
        var provider = gateway.Provider;
        var retired = provider.CurrentKey;
        var before = EntraIdModeTests.IssueEntraToken(provider);
        var first = await gateway.GetAsync(OpenIdGateway.NimPatient, before);
        first.Status.Should().Be(HttpStatusCode.OK, first.Body);
        var fetches = provider.JwksRequests;

        provider.RotateKey();
        var withNewKey = await gateway.GetAsync(OpenIdGateway.NimPatient, EntraIdModeTests.IssueEntraToken(provider));

        withNewKey.Status.Should().Be(HttpStatusCode.OK, withNewKey.Body);
        provider.JwksRequests.Should().BeGreaterThan(fetches, "the unknown kid made the gateway fetch the tenant's keys again");
        await gateway.ShouldBeRefusedAndAuditedAsync(
            await gateway.GetAsync(OpenIdGateway.NimPatient, EntraIdModeTests.IssueEntraToken(provider, key: retired)), "unknown key");
        await gateway.ShouldBeRefusedAndAuditedAsync(await gateway.GetAsync(OpenIdGateway.NimPatient, before), "unknown key");
    }
}
