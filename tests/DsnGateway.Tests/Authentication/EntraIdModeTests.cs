using System.Net;
using System.Text.Json.Nodes;
using DsnGateway.Authentication;
using Microsoft.Extensions.DependencyInjection;

namespace DsnGateway.Tests.Authentication;

/// <summary>
/// Mode EntraId against a local provider shaped like Entra ID (v2.0 metadata under the tenant, the
/// login.microsoftonline.com issuer, tid, scp and roles, HTTPS with a development certificate the gateway pins for
/// that backchannel alone): Microsoft.Identity.Web validates, the mapping gives the gateway's role and SMART scopes,
/// and authorization is the same as in mode Oidc.
/// </summary>
public class EntraIdModeTests(EntraIdModeTests.EntraIdGateway gateway) : IClassFixture<EntraIdModeTests.EntraIdGateway>
{
    public const string Tenant = "7d3e1c52-9b0f-4c6e-8a21-3f5d2e9b4a10";
    private const string OtherTenant = "0a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d";
    private const string Audience = "api://dsn-gateway-test";

    public sealed class EntraIdGateway : OpenIdGateway
    {
        protected override Task<TestOpenIdProvider> StartProviderAsync() => TestOpenIdProvider.StartEntraShapedAsync(Tenant);

        protected override IReadOnlyDictionary<string, string?> ProviderOverrides(TestOpenIdProvider provider) => new Dictionary<string, string?>
        {
            ["Authentication:Mode"] = "EntraId",
            ["Authentication:EntraId:Instance"] = provider.BaseAddress + "/",
            ["Authentication:EntraId:TenantId"] = Tenant,
            ["Authentication:EntraId:ClientId"] = "5b1e0d2c-4f3a-4e8b-9d7c-6a5b4c3d2e1f",
            ["Authentication:EntraId:Audience"] = Audience,
            ["Authentication:EntraId:Issuer"] = provider.Issuer,
            ["Authentication:EntraId:ProviderCertificate"] = provider.CertificatePath,
            ["Authentication:EntraId:Establishment"] = "NIM",
            ["Authentication:EntraId:RoleMap:DSN.Clinician"] = "clinician",
            ["Authentication:EntraId:RoleMap:DSN.PrivacyOfficer"] = "privacy-officer",
            ["Authentication:EntraId:ScopeMap:Patient.Read"] = "user/Patient.rs",
            ["Authentication:EntraId:ScopeMap:Clinical.Read"] = "user/Patient.rs user/MedicationRequest.rs user/Procedure.rs",
            ["Authentication:EntraId:ScopeMap:Clinical.Write"] = "user/Patient.cruds",
            ["Authentication:EntraId:AppRoleScopes:DSN.PrivacyOfficer"] = "user/AuditEvent.rs",
        };
    }

    private TestOpenIdProvider Provider => gateway.Provider;

    /// <summary>An Entra v2.0 access token as a clinician's app gets it: tid, scp as one string, roles as an array, no establishment claim.</summary>
    private string EntraToken(string scp = "Clinical.Read", string[]? roles = null, string tenant = Tenant, string? issuerTenant = null, Action<Dictionary<string, object>>? change = null) =>
        IssueEntraToken(Provider, scp, roles, tenant, issuerTenant, change);

    /// <summary>An Entra v2.0 access token of <paramref name="provider"/> for the gateway's audience, signed with <paramref name="key"/> (the current key by default).</summary>
    internal static string IssueEntraToken(TestOpenIdProvider provider, string scp = "Clinical.Read", string[]? roles = null, string tenant = Tenant,
        string? issuerTenant = null, Action<Dictionary<string, object>>? change = null, Microsoft.IdentityModel.Tokens.SecurityKey? key = null)
    {
        var claims = new Dictionary<string, object>
        {
            ["sub"] = "entra-pairwise-" + Guid.NewGuid().ToString("N")[..8],
            ["oid"] = "11111111-2222-3333-4444-555555555555",
            ["tid"] = tenant,
            ["ver"] = "2.0",
            ["azp"] = "9c8b7a6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d",
            ["roles"] = roles ?? ["DSN.Clinician"],
            ["jti"] = Guid.NewGuid().ToString("N"),
        };
        if (scp.Length > 0) claims["scp"] = scp;
        change?.Invoke(claims);
        return provider.Issue(claims, key: key, issuer: $"https://login.microsoftonline.com/{issuerTenant ?? tenant}/v2.0", audience: Audience, tokenType: "JWT");
    }

    [Fact]
    public async Task A_valid_Entra_token_reads_a_patient_within_the_care_relationship_and_not_outside_it()
    {
        var token = EntraToken();
        var handler = gateway.Services.GetRequiredService<CachingTokenHandler>();
        var before = handler.FullValidations;

        var answer = await gateway.GetAsync(OpenIdGateway.NimPatient, token);

        answer.Status.Should().Be(HttpStatusCode.OK, answer.Body);
        JsonNode.Parse(answer.Body)!["id"]!.GetValue<string>().Should().Be("sample-nim-tremblay");
        (await gateway.GetAsync("fhir/MedicationRequest/sample-mr-tremblay-1", token)).Status.Should().Be(HttpStatusCode.OK);
        (await gateway.GetAsync("fhir/Patient/sample-mcq-gagnon", token)).Status.Should().Be(HttpStatusCode.Forbidden, "Gagnon has no MRN of NIM, the tenant's establishment");
        (handler.FullValidations - before).Should().Be(1, "the token is validated once, then answered from the cache");
        Provider.JwksRequests.Should().BeGreaterThan(0, "the keys came from the provider over its pinned HTTPS backchannel");
    }

    [Fact]
    public async Task The_establishment_claim_of_the_token_wins_over_the_tenant_establishment()
    {
        var token = EntraToken(change: c => c["establishment"] = "MCQ");

        (await gateway.GetAsync("fhir/Patient/sample-mcq-gagnon", token)).Status.Should().Be(HttpStatusCode.OK);
        (await gateway.GetAsync(OpenIdGateway.NimPatient, token)).Status.Should().Be(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Smart_configuration_names_the_tenant_endpoints_from_its_v2_metadata()
    {
        var answer = await gateway.GetAsync("fhir/.well-known/smart-configuration", null);

        answer.Status.Should().Be(HttpStatusCode.OK, answer.Body);
        var configuration = JsonNode.Parse(answer.Body)!.AsObject();
        configuration["issuer"]!.GetValue<string>().Should().Be($"https://login.microsoftonline.com/{Tenant}/v2.0");
        configuration["authorization_endpoint"]!.GetValue<string>().Should().Be(Provider.BaseAddress + "/authorize");
        configuration["token_endpoint"]!.GetValue<string>().Should().Be(Provider.BaseAddress + "/token");
    }

    [Fact]
    public async Task A_token_of_another_tenant_is_refused_and_audited()
    {
        var answer = await gateway.GetAsync(OpenIdGateway.NimPatient, EntraToken(tenant: OtherTenant));

        await gateway.ShouldBeRefusedAndAuditedAsync(answer, "issuer is not trusted");
    }

    [Fact]
    public async Task A_token_whose_tid_is_not_the_issuer_tenant_is_refused()
    {
        var answer = await gateway.GetAsync(OpenIdGateway.NimPatient, EntraToken(tenant: OtherTenant, issuerTenant: Tenant));

        await gateway.ShouldBeRefusedAndAuditedAsync(answer, "issuer is not trusted");
    }

    [Fact]
    public async Task A_token_for_another_audience_is_refused()
    {
        var token = Provider.Issue(new Dictionary<string, object> { ["sub"] = "x", ["tid"] = Tenant, ["scp"] = "Clinical.Read", ["roles"] = new[] { "DSN.Clinician" } },
            issuer: Provider.Issuer, audience: "api://someone-else");

        await gateway.ShouldBeRefusedAndAuditedAsync(await gateway.GetAsync(OpenIdGateway.NimPatient, token), "audience");
    }

    [Fact]
    public async Task A_read_only_mapped_scope_cannot_write_and_a_write_mapped_scope_gets_past_authorization()
    {
        var readOnly = await gateway.SendAsync(HttpMethod.Put, OpenIdGateway.NimPatient, EntraToken("Patient.Read"));
        readOnly.Status.Should().Be(HttpStatusCode.Forbidden, readOnly.Body);
        readOnly.Body.Should().Contain("user/Patient.u", "the refusal names the scope the mapping did not give");

        // The same request with the write scope mapped gets past the scope check (the empty body is then what is wrong).
        var writer = await gateway.SendAsync(HttpMethod.Put, OpenIdGateway.NimPatient, EntraToken("Patient.Read Clinical.Write"));
        writer.Status.Should().NotBe(HttpStatusCode.Unauthorized);
        writer.Body.Should().NotContain("user/Patient.u").And.Contain("OperationOutcome");
    }

    [Fact]
    public async Task The_scp_mapping_gives_exactly_the_mapped_SMART_scopes()
    {
        var patientOnly = EntraToken("Patient.Read");

        (await gateway.GetAsync(OpenIdGateway.NimPatient, patientOnly)).Status.Should().Be(HttpStatusCode.OK);
        (await gateway.GetAsync("fhir/MedicationRequest/sample-mr-tremblay-1", patientOnly)).Status.Should().Be(HttpStatusCode.Forbidden, "Patient.Read maps to user/Patient.rs only");
    }

    [Fact]
    public async Task An_app_role_is_mapped_to_its_gateway_role_and_its_SMART_scopes()
    {
        var officer = EntraToken(scp: "", roles: ["DSN.PrivacyOfficer"]);

        var audit = await gateway.GetAsync("fhir/AuditEvent?_count=5", officer);
        audit.Status.Should().Be(HttpStatusCode.OK, audit.Body);
        JsonNode.Parse(audit.Body)!["type"]!.GetValue<string>().Should().Be("searchset");
        (await gateway.GetAsync(OpenIdGateway.NimPatient, officer)).Status.Should().Be(HttpStatusCode.Forbidden, "a privacy officer reads the audit, nothing clinical");
        (await gateway.GetAsync("fhir/AuditEvent?_count=5", EntraToken())).Status.Should().Be(HttpStatusCode.Forbidden, "a clinician does not read the audit");
    }

    [Fact]
    public async Task A_token_without_a_mapped_scope_is_refused()
    {
        var answer = await gateway.GetAsync(OpenIdGateway.NimPatient, EntraToken("User.Read"));

        await gateway.ShouldBeRefusedAndAuditedAsync(answer, "SMART resource scope");
    }

    [Fact]
    public async Task A_token_without_a_mapped_app_role_is_refused()
    {
        var answer = await gateway.GetAsync(OpenIdGateway.NimPatient, EntraToken(roles: ["Some.Other.Role"]));

        await gateway.ShouldBeRefusedAndAuditedAsync(answer, "role");
    }

    [Fact]
    public async Task The_gateway_claims_written_into_an_Entra_token_are_not_trusted_without_the_mapping()
    {
        // A role value that happens to be a gateway role, and SMART scopes under the gateway's own claim names:
        // in EntraId mode only the mapping speaks for Entra's roles and scp.
        var token = EntraToken(scp: "User.Read", roles: ["clinician"], change: c =>
        {
            c["role"] = "clinician";
            c["scope"] = "user/*.cruds";
        });

        await gateway.ShouldBeRefusedAndAuditedAsync(await gateway.GetAsync(OpenIdGateway.NimPatient, token), "role");
    }
}

/// <summary>
/// The development certificate is trusted only where it is pinned: the same Entra-shaped provider without
/// ProviderCertificate cannot be reached over TLS, so no token is accepted (TLS validation was not turned off).
/// </summary>
public class EntraIdUnpinnedProviderTests(EntraIdUnpinnedProviderTests.UnpinnedGateway gateway) : IClassFixture<EntraIdUnpinnedProviderTests.UnpinnedGateway>
{
    public sealed class UnpinnedGateway : OpenIdGateway
    {
        protected override Task<TestOpenIdProvider> StartProviderAsync() => TestOpenIdProvider.StartEntraShapedAsync(EntraIdModeTests.Tenant);

        protected override IReadOnlyDictionary<string, string?> ProviderOverrides(TestOpenIdProvider provider) => new Dictionary<string, string?>
        {
            ["Authentication:Mode"] = "EntraId",
            ["Authentication:EntraId:Instance"] = provider.BaseAddress + "/",
            ["Authentication:EntraId:TenantId"] = EntraIdModeTests.Tenant,
            ["Authentication:EntraId:ClientId"] = "5b1e0d2c-4f3a-4e8b-9d7c-6a5b4c3d2e1f",
            ["Authentication:EntraId:Audience"] = "api://dsn-gateway-test",
            ["Authentication:EntraId:Issuer"] = provider.Issuer,
            ["Authentication:EntraId:Establishment"] = "NIM",
            ["Authentication:EntraId:RoleMap:DSN.Clinician"] = "clinician",
            ["Authentication:EntraId:ScopeMap:Clinical.Read"] = "user/Patient.rs",
        };
    }

    [Fact]
    public async Task Without_the_pinned_certificate_the_provider_is_not_trusted_and_its_tokens_are_refused()
    {
        var token = gateway.Provider.Issue(new Dictionary<string, object>
        {
            ["sub"] = "entra-user", ["tid"] = EntraIdModeTests.Tenant, ["scp"] = "Clinical.Read", ["roles"] = new[] { "DSN.Clinician" },
        }, issuer: gateway.Provider.Issuer, audience: "api://dsn-gateway-test");

        var answer = await gateway.GetAsync(OpenIdGateway.NimPatient, token);

        answer.Status.Should().Be(HttpStatusCode.Unauthorized, answer.Body);
        gateway.Provider.JwksRequests.Should().Be(0, "the TLS handshake with an untrusted certificate fails before any key is fetched");
    }
}
