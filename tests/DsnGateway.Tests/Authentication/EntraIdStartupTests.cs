using DsnGateway.Hosting;
using DsnGateway.Runtime;

namespace DsnGateway.Tests.Authentication;

/// <summary>Mode EntraId refuses to start, with one clear line naming the key, when it could not tell its tenant's tokens or give a role.</summary>
public sealed class EntraIdStartupTests : IDisposable
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "dsn-gateway-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(_dataDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static Dictionary<string, string?> Complete() => new()
    {
        ["Authentication:Mode"] = "EntraId",
        ["Authentication:EntraId:TenantId"] = EntraIdModeTests.Tenant,
        ["Authentication:EntraId:ClientId"] = "5b1e0d2c-4f3a-4e8b-9d7c-6a5b4c3d2e1f",
        ["Authentication:EntraId:Audience"] = "api://dsn-gateway-test",
        ["Authentication:EntraId:RoleMap:DSN.Clinician"] = "clinician",
        ["Authentication:EntraId:ScopeMap:Clinical.Read"] = "user/Patient.rs",
    };

    private async Task<IReadOnlyList<string>> ProblemsAsync(string environment, Action<Dictionary<string, string?>> change)
    {
        var overrides = Complete();
        change(overrides);
        var start = () => GatewayApplication.BuildAsync(new GatewaySettings
        {
            Paths = new GatewayPaths(_dataDirectory, GatewayFixture.ConfigDirectory),
            Urls = "http://127.0.0.1:0",
            EnvironmentName = environment,
            LoadSampleData = false,
            Mllp = "127.0.0.1:0",
            Overrides = overrides,
        });
        return (await start.Should().ThrowAsync<GatewayStartupException>()).Which.Problems;
    }

    [Theory]
    [InlineData("TenantId")]
    [InlineData("ClientId")]
    [InlineData("Audience")]
    public async Task EntraId_mode_without_a_required_setting_does_not_start(string key)
    {
        var problems = await ProblemsAsync("Development", o => o.Remove($"Authentication:EntraId:{key}"));

        problems.Should().ContainSingle(p => p.Contains($"Authentication:EntraId:{key}")).Which.Should().NotContain("\n");
    }

    [Fact]
    public async Task EntraId_mode_without_a_role_mapping_or_with_a_bad_one_does_not_start()
    {
        (await ProblemsAsync("Development", o => o.Remove("Authentication:EntraId:RoleMap:DSN.Clinician")))
            .Should().Contain(p => p.Contains("Authentication:EntraId:RoleMap is empty"));
        (await ProblemsAsync("Development", o => o["Authentication:EntraId:RoleMap:DSN.Clinician"] = "doctor"))
            .Should().Contain(p => p.Contains("RoleMap:DSN.Clinician") && p.Contains("'doctor'"));
        (await ProblemsAsync("Development", o => o["Authentication:EntraId:ScopeMap:Clinical.Read"] = "Patient.Read"))
            .Should().Contain(p => p.Contains("ScopeMap:Clinical.Read") && p.Contains("not a list of SMART scopes"));
    }

    [Fact]
    public async Task A_pinned_provider_certificate_is_refused_outside_Development()
    {
        var problems = await ProblemsAsync("Production", o => o["Authentication:EntraId:ProviderCertificate"] = "/nonexistent/provider.pem");

        problems.Should().Contain(p => p.Contains("Refusing to start in Production") && p.Contains("ProviderCertificate"));
    }

    [Fact]
    public async Task An_unknown_mode_does_not_start()
    {
        var problems = await ProblemsAsync("Development", o => o["Authentication:Mode"] = "Kerberos");

        problems.Should().Contain(p => p.Contains("Authentication:Mode 'Kerberos'"));
    }
}
