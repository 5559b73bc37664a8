using System.Net;
using System.Text.Json.Nodes;
using DsnGateway.Smart;

namespace DsnGateway.Tests.Authentication;

/// <summary>What a SMART app reads before it has a token: no token needed, the provider's endpoints in both.</summary>
public class SmartDiscoveryTests(OpenIdGateway gateway) : IClassFixture<OpenIdGateway>
{
    [Fact]
    public async Task Metadata_without_a_token_has_the_SMART_security_section_with_the_providers_endpoints()
    {
        var answer = await gateway.GetAsync("fhir/metadata", null);

        answer.Status.Should().Be(HttpStatusCode.OK, answer.Body);
        answer.ContentType.Should().Be("application/fhir+json");
        var capability = JsonNode.Parse(answer.Body)!.AsObject();
        capability["resourceType"]!.GetValue<string>().Should().Be("CapabilityStatement");
        var security = capability["rest"]![0]!["security"]!.AsObject();
        var oauth = security["extension"]!.AsArray().Should().ContainSingle(e => e!["url"]!.GetValue<string>() == SmartEndpoints.OAuthUrisExtension).Subject!;
        var uris = oauth["extension"]!.AsArray().ToDictionary(e => e!["url"]!.GetValue<string>(), e => e!["valueUri"]!.GetValue<string>());
        uris.Should().Contain("authorize", gateway.Provider.Issuer + "/authorize").And.Contain("token", gateway.Provider.Issuer + "/token");
        var service = security["service"]![0]!["coding"]![0]!;
        service["system"]!.GetValue<string>().Should().Be("http://terminology.hl7.org/CodeSystem/restful-security-service");
        service["code"]!.GetValue<string>().Should().Be("SMART-on-FHIR");
        (await gateway.AuditEventAsync(answer.RequestId)).Should().BeNull("discovery is public and not an access to records");
    }

    [Fact]
    public async Task Smart_configuration_without_a_token_names_the_provider()
    {
        var answer = await gateway.GetAsync("fhir/.well-known/smart-configuration", null);

        answer.Status.Should().Be(HttpStatusCode.OK, answer.Body);
        answer.ContentType.Should().Be("application/json");
        var configuration = JsonNode.Parse(answer.Body)!.AsObject();
        var issuer = gateway.Provider.Issuer;
        configuration["issuer"]!.GetValue<string>().Should().Be(issuer);
        configuration["jwks_uri"]!.GetValue<string>().Should().Be(issuer + "/jwks");
        configuration["authorization_endpoint"]!.GetValue<string>().Should().Be(issuer + "/authorize");
        configuration["token_endpoint"]!.GetValue<string>().Should().Be(issuer + "/token");
        Strings(configuration, "grant_types_supported").Should().Contain(["authorization_code", "client_credentials"]);
        Strings(configuration, "capabilities").Should().Contain(["launch-standalone", "context-standalone-patient", "permission-v2", "permission-patient", "permission-user"]);
        Strings(configuration, "code_challenge_methods_supported").Should().Equal("S256");
        Strings(configuration, "scopes_supported").Should().Contain(["openid", "fhirUser", "user/Patient.rs", "patient/Patient.rs"]);
    }

    [Theory]
    [InlineData("POST", "fhir/metadata")]
    [InlineData("PUT", "fhir/metadata")]
    [InlineData("DELETE", "fhir/metadata")]
    [InlineData("POST", "fhir/.well-known/smart-configuration")]
    [InlineData("DELETE", "fhir/.well-known/smart-configuration")]
    public async Task Only_GET_of_the_discovery_paths_is_public_other_methods_need_a_token(string method, string path)
    {
        // Otherwise they went, without token or audit, to the record store (which happened to refuse them).
        var answer = await gateway.SendAsync(new HttpMethod(method), path, null);

        await gateway.ShouldBeRefusedAndAuditedAsync(answer, "no bearer token was sent");
    }

    private static List<string> Strings(JsonObject json, string name) => [.. json[name]!.AsArray().Select(n => n!.GetValue<string>())];
}

/// <summary>A gateway whose OpenID provider does not answer (nothing listens at its Authority).</summary>
public sealed class UnreachableProviderGateway : OpenIdGateway
{
    protected override IReadOnlyDictionary<string, string?> ExtraOverrides => new Dictionary<string, string?>
    {
        ["Authentication:Authority"] = "http://127.0.0.1:9/unreachable-provider",
    };
}

/// <summary>Discovery while the provider is down: 503 to retry, never an answer without the provider's endpoints.</summary>
public class SmartDiscoveryWithoutProviderTests(UnreachableProviderGateway gateway) : IClassFixture<UnreachableProviderGateway>
{
    [Theory]
    [InlineData("fhir/.well-known/smart-configuration")]
    [InlineData("fhir/metadata")]
    public async Task Discovery_is_503_while_the_providers_endpoints_are_unknown(string path)
    {
        var answer = await gateway.GetAsync(path, null);

        answer.Status.Should().Be(HttpStatusCode.ServiceUnavailable, answer.Body);
        var outcome = JsonNode.Parse(answer.Body)!.AsObject();
        outcome["resourceType"]!.GetValue<string>().Should().Be("OperationOutcome");
        outcome["issue"]![0]!["code"]!.GetValue<string>().Should().Be("transient");
    }
}
