using DsnGateway.Runtime;
using DsnGateway.StoreCredentials;

namespace DsnGateway.Tests.StoreCredentials;

/// <summary>
/// What is refused before anything starts: a gateway with half a client toward its remote store, and a store run alone
/// that others could reach without authentication outside Development, or with half a configuration. One line each,
/// nothing created.
/// </summary>
public sealed class CredentialsStartupTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "dsn-credentials-startup", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (DirectoryNotFoundException) { } catch (IOException) { }
    }

    [Fact]
    public async Task A_gateway_with_a_partial_client_toward_its_store_is_refused_in_one_line_and_creates_nothing()
    {
        var data = Path.Combine(_root, "gateway");
        var act = async () => await GatewayFixture.StartAsync(data, new Dictionary<string, string?>
        {
            ["RecordStore:Mode"] = "Remote",
            ["RecordStore:RemoteUrl"] = "http://127.0.0.1:9",
            ["RecordStore:Credentials:Authority"] = "https://login.example.test",
            ["RecordStore:Credentials:ClientId"] = "dsn-gateway",
        }, loadSampleData: false);
        var refused = (await act.Should().ThrowAsync<GatewayStartupException>()).Which;
        refused.Problems.Should().ContainSingle().Which.Should().Be(
            "RecordStore:Credentials is incomplete: ClientSecret missing; set all of them, or none to call the store without credentials.");
        Directory.Exists(data).Should().BeFalse();
    }

    [Fact]
    public async Task A_store_open_to_other_machines_outside_Development_is_refused()
    {
        var data = Path.Combine(_root, "store");
        await using var store = GatewayProcess.Start(["store", "--urls", "http://0.0.0.0:0", "--data-dir", data], environment: "Production");
        (await store.WaitForExitAsync()).Should().Be(1);
        store.StandardError.Should().Contain("Refusing to start in Production: the record store would listen on http://0.0.0.0:0 without authentication");
        Directory.Exists(data).Should().BeFalse("a refused start creates nothing");
    }

    [Fact]
    public async Task A_store_with_half_its_authentication_is_refused()
    {
        var data = Path.Combine(_root, "store");
        await using var store = GatewayProcess.Start(["store", "--urls", "http://127.0.0.1:0", "--data-dir", data], environment: "Production",
            variables: new Dictionary<string, string> { ["DSN_Store__Authentication__Authority"] = "https://login.example.test" });
        (await store.WaitForExitAsync()).Should().Be(1);
        store.StandardError.Trim().Should().Be("Store:Authentication is incomplete: set both Authority and Audience, or neither to run the store without authentication.");
    }

    /// <summary>Mode EntraId with everything but the credential, which each case sets (or spoils).</summary>
    private async Task<string> EntraRefusalAsync(Dictionary<string, string?> change)
    {
        var data = Path.Combine(_root, "gateway-entra");
        var configuration = new Dictionary<string, string?>
        {
            ["RecordStore:Mode"] = "Remote",
            ["RecordStore:RemoteUrl"] = "http://127.0.0.1:9",
            ["RecordStore:Credentials:Mode"] = "EntraId",
            ["RecordStore:Credentials:Instance"] = "https://login.microsoftonline.com/",
            ["RecordStore:Credentials:TenantId"] = "3f2a1b0c-9d8e-4f7a-8b6c-5d4e3f2a1b0c",
            ["RecordStore:Credentials:ClientId"] = "8e7d6c5b-4a39-4821-9f0e-1d2c3b4a5968",
            ["RecordStore:Credentials:Scope"] = "api://dsn-store/.default",
        };
        foreach (var (key, value) in change) configuration["RecordStore:Credentials:" + key] = value;
        var act = async () => await GatewayFixture.StartAsync(data, configuration, loadSampleData: false);
        var refused = (await act.Should().ThrowAsync<GatewayStartupException>()).Which;
        Directory.Exists(data).Should().BeFalse("a refused start creates nothing");
        return refused.Problems.Should().ContainSingle().Subject;
    }

    [Fact]
    public async Task An_Entra_client_with_both_a_secret_and_a_certificate_is_refused()
    {
        using var files = AppCertificateFiles.Create(Path.Combine(_root, "certificate"));
        (await EntraRefusalAsync(new() { ["ClientSecret"] = "s", ["CertificatePath"] = files.Pfx, ["CertificatePassword"] = AppCertificateFiles.Password }))
            .Should().Be("RecordStore:Credentials: ClientSecret and CertificatePath are both set; keep one credential.");
    }

    [Fact]
    public async Task An_Entra_client_without_a_credential_is_refused()
    {
        (await EntraRefusalAsync([])).Should().Be("RecordStore:Credentials (EntraId) has no credential: set ClientSecret or CertificatePath.");
    }

    [Fact]
    public async Task An_Entra_client_whose_certificate_password_is_wrong_is_refused_without_the_password()
    {
        using var files = AppCertificateFiles.Create(Path.Combine(_root, "certificate"));
        var line = await EntraRefusalAsync(new() { ["CertificatePath"] = files.Pfx, ["CertificatePassword"] = "not-the-password" });
        line.Should().StartWith($"RecordStore:Credentials:CertificatePath '{files.Pfx}' cannot be used: ").And.NotContain("not-the-password");
    }

    [Fact]
    public async Task An_Entra_client_whose_certificate_file_is_missing_or_has_no_key_is_refused()
    {
        using var files = AppCertificateFiles.Create(Path.Combine(_root, "certificate"));
        var missing = Path.Combine(_root, "nowhere.pfx");
        (await EntraRefusalAsync(new() { ["CertificatePath"] = missing }))
            .Should().Be($"RecordStore:Credentials:CertificatePath '{missing}' does not exist.");
        (await EntraRefusalAsync(new() { ["CertificatePath"] = files.PemCertificate }))
            .Should().StartWith($"RecordStore:Credentials:CertificatePath '{files.PemCertificate}' cannot be used: ", "a PEM certificate without its key cannot sign");
    }

    [Fact]
    public async Task An_Entra_scope_without_default_is_refused()
    {
        (await EntraRefusalAsync(new() { ["ClientSecret"] = "s", ["Scope"] = "api://dsn-store/Store.ReadWrite" }))
            .Should().Be("RecordStore:Credentials:Scope 'api://dsn-store/Store.ReadWrite' must be one scope ending in /.default (e.g. api://dsn-store/.default): Entra ID grants an app only its consented permissions.");
    }

    [Fact]
    public async Task A_partial_Entra_client_is_refused_in_one_line()
    {
        (await EntraRefusalAsync(new() { ["ClientSecret"] = "s", ["TenantId"] = "", ["Scope"] = "" }))
            .Should().Be("RecordStore:Credentials (EntraId) is incomplete: TenantId, Scope missing; set all of them, or none to call the store without credentials.");
    }

    [Fact]
    public void A_whole_Entra_client_is_accepted_and_a_pinned_provider_certificate_only_in_Development()
    {
        var remote = new RecordStoreConnectionOptions { Mode = RecordStoreMode.Remote, RemoteUrl = "https://store.example" };
        using var files = AppCertificateFiles.Create(Path.Combine(_root, "certificate"));
        var entra = new StoreCredentialsOptions
        {
            Instance = "https://login.microsoftonline.com/", TenantId = "t", ClientId = "app", Scope = "api://dsn-store/.default",
            CertificatePath = files.PemCertificate, CertificateKeyPath = files.PemKey,
        };
        entra.IsEntraId.Should().BeTrue("Instance and TenantId name Entra ID without Mode");
        entra.Problems(remote, "Production").Should().BeEmpty();
        entra.ProviderCertificate = files.PemCertificate;
        entra.Problems(remote, "Development").Should().BeEmpty();
        entra.Problems(remote, "Production").Should().ContainSingle().Which.Should().StartWith("Refusing to start in Production: RecordStore:Credentials:ProviderCertificate");
    }
}
