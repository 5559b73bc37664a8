using DsnGateway.Hosting;

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
}
