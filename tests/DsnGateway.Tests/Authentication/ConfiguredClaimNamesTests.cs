using System.Net;
using System.Text.Json.Nodes;
using DsnGateway.Audit;

namespace DsnGateway.Tests.Authentication;

/// <summary>An Entra ID style gateway: scopes in <c>scp</c>, roles in <c>roles</c>, the client in <c>azp</c>.</summary>
public class ConfiguredClaimNamesTests(ConfiguredClaimNamesTests.EntraStyleGateway gateway) : IClassFixture<ConfiguredClaimNamesTests.EntraStyleGateway>
{
    public sealed class EntraStyleGateway : OpenIdGateway
    {
        protected override IReadOnlyDictionary<string, string?> ExtraOverrides => new Dictionary<string, string?>
        {
            ["Authentication:Claims:Scope"] = "scp",
            ["Authentication:Claims:Role"] = "roles",
            ["Authentication:Claims:ClientId"] = "azp",
        };
    }

    private static Dictionary<string, object> EntraClinician(params string[] roles) => new()
    {
        ["sub"] = "entra-object-id-1234",
        ["scp"] = new[] { "openid", "user/Patient.rs", "user/MedicationRequest.rs" },
        ["roles"] = roles,
        ["establishment"] = "NIM",
        ["azp"] = "entra-app-5678",
    };

    [Fact]
    public async Task Scopes_and_roles_as_arrays_and_azp_are_read_and_the_client_is_audited()
    {
        var answer = await gateway.GetAsync(OpenIdGateway.NimPatient, gateway.Provider.Issue(EntraClinician("clinician")));

        answer.Status.Should().Be(HttpStatusCode.OK, answer.Body);
        var audit = await gateway.AuditEventAsync(answer.RequestId);
        audit!["outcome"]!.GetValue<string>().Should().Be("0");
        var agents = audit["agent"]!.AsArray().Select(a => a!.AsObject()).ToList();
        var client = agents.Should().ContainSingle(a => a["type"]!["coding"]![0]!["code"]!.GetValue<string>() == "110153").Subject;
        client["who"]!["identifier"]!["system"]!.GetValue<string>().Should().Be(AuditCodes.ClientIdSystem);
        client["who"]!["identifier"]!["value"]!.GetValue<string>().Should().Be("entra-app-5678");
        var user = agents.Single(a => a["requestor"]!.GetValue<bool>());
        user["who"]!["identifier"]!["value"]!.GetValue<string>().Should().Be("entra-object-id-1234");
        user["role"]![0]!["coding"]![0]!["code"]!.GetValue<string>().Should().Be("clinician");
        user["policy"]!.AsArray().Select(p => p!.GetValue<string>()).Should().Contain(["user/Patient.rs", "user/MedicationRequest.rs"]);
    }

    [Fact]
    public async Task The_gateway_role_is_found_among_other_app_roles()
    {
        var answer = await gateway.GetAsync(OpenIdGateway.NimPatient, gateway.Provider.Issue(EntraClinician("Directory.Reader", "clinician")));

        answer.Status.Should().Be(HttpStatusCode.OK, answer.Body);
    }

    [Fact]
    public async Task Without_roles_the_token_is_refused_naming_the_configured_claim()
    {
        var claims = EntraClinician();
        claims.Remove("roles");

        await gateway.ShouldBeRefusedAndAuditedAsync(await gateway.GetAsync(OpenIdGateway.NimPatient, gateway.Provider.Issue(claims)), "'roles'");
    }

    [Fact]
    public async Task Scopes_under_the_default_name_are_not_read_when_another_is_configured()
    {
        var claims = EntraClinician("clinician");
        claims.Remove("scp");
        claims["scope"] = "user/*.rs";

        await gateway.ShouldBeRefusedAndAuditedAsync(await gateway.GetAsync(OpenIdGateway.NimPatient, gateway.Provider.Issue(claims)), "no SMART resource scope in 'scp'");
    }
}
