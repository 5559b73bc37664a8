using DsnGateway.Hosting;
using DsnGateway.Runtime;

namespace DsnGateway.Tests.Hosting;

/// <summary>The deadlines toward the gateway's peers are checked before the start: a gateway never runs unbounded or with a deadline of nothing.</summary>
public sealed class DeadlineOptionTests : IDisposable
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "dsn-gateway-tests", Guid.NewGuid().ToString("N"));

    [Theory]
    [InlineData("RecordStore:TimeoutSeconds", "0")]
    [InlineData("RecordStore:TimeoutSeconds", "-5")]
    [InlineData("RecordStore:TimeoutSeconds", "soon")]
    [InlineData("Authentication:BackchannelTimeoutSeconds", "0")]
    [InlineData("Authentication:BackchannelTimeoutSeconds", "soon")]
    [InlineData("Authentication:RefreshIntervalSeconds", "-1")]
    public async Task A_deadline_that_is_not_a_positive_number_of_seconds_refuses_the_start_naming_it(string key, string value)
    {
        var start = () => GatewayApplication.BuildAsync(new GatewaySettings
        {
            Paths = new GatewayPaths(_dataDirectory, GatewayFixture.ConfigDirectory),
            Urls = "http://127.0.0.1:0",
            EnvironmentName = "Development",
            LoadSampleData = false,
            Mllp = "127.0.0.1:0",
            Overrides = new Dictionary<string, string?> { [key] = value },
        });

        (await start.Should().ThrowAsync<GatewayStartupException>()).Which.Message.Should().Contain(key);
    }

    public void Dispose()
    {
        try { Directory.Delete(_dataDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
