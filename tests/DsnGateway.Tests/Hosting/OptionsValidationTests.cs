using DsnGateway.Hosting;
using DsnGateway.Runtime;

namespace DsnGateway.Tests.Hosting;

/// <summary>
/// Every options class is validated before the gateway or a command creates anything: each problem one line naming its
/// configuration key and value, all of them at once, and no start (exit 1) for <c>serve</c> and the commands alike.
/// </summary>
public sealed class OptionsValidationTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "dsn-options-tests", Guid.NewGuid().ToString("N"));

    private string Data => Path.Combine(_root, "data");

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <param name="mllp">--mllp and <paramref name="urls"/> --urls; when given they replace the configured addresses.</param>
    private async Task<IReadOnlyList<string>> RefusedAsync(Dictionary<string, string?> overrides, string? mllp = "127.0.0.1:0", string? urls = "http://127.0.0.1:0")
    {
        var start = () => GatewayApplication.BuildAsync(new GatewaySettings
        {
            Paths = new GatewayPaths(Data, GatewayFixture.ConfigDirectory),
            Urls = urls,
            EnvironmentName = "Development",
            LoadSampleData = false,
            Mllp = mllp,
            Overrides = overrides,
        });
        var refused = (await start.Should().ThrowAsync<GatewayStartupException>()).Which;
        refused.IsUsageError.Should().BeFalse("the configuration is at fault, not the command line");
        Directory.Exists(Data).Should().BeFalse("a refused start creates nothing");
        return refused.Problems;
    }

    [Theory]
    [InlineData("RecordStore:Mode", "Remot", "RecordStore:Mode 'Remot' is not one of Embedded, Remote.")]
    [InlineData("RecordStore:Mode", "Remote", "RecordStore:RemoteUrl is required when RecordStore:Mode is Remote")]
    [InlineData("RecordStore:TimeoutSeconds", "soon", "RecordStore:TimeoutSeconds 'soon' is not a number.")]
    [InlineData("Gateway:PublicBaseUrl", "dsn.example/fhir", "Gateway:PublicBaseUrl 'dsn.example/fhir' is not an http(s) URL")]
    [InlineData("Ingestion:MaxMessageBytes", "0", "Ingestion:MaxMessageBytes '0' is not a positive number of bytes")]
    [InlineData("Ingestion:Mllp:IdleTimeoutSeconds", "-1", "Ingestion:Mllp:IdleTimeoutSeconds '-1' is not a positive number of seconds")]
    [InlineData("Ingestion:Mllp:Enabled", "maybe", "Ingestion:Mllp:Enabled 'maybe' is not true or false.")]
    [InlineData("Ingestion:Delivery:MaxParallelism", "0", "Ingestion:Delivery:MaxParallelism '0' is not a whole number of 1 or more")]
    [InlineData("Ingestion:Delivery:PollInterval", "soon", "Ingestion:Delivery:PollInterval 'soon' is not a duration such as 00:00:05.")]
    [InlineData("Access:RestrictedPatients:0", "not an id", "Access:RestrictedPatients:0 'not an id' is not a Patient id")]
    [InlineData("Access:MaxBufferedAnswerBytes", "10", "Access:MaxBufferedAnswerBytes '10' is not a number of bytes from 1024 to")]
    [InlineData("Authentication:Authority", "login.example", "Authentication:Authority 'login.example' is not an http(s) URL")]
    [InlineData("Telemetry:Otlp:Protocol", "udp", "Telemetry:Otlp:Protocol 'udp' is neither grpc nor http/protobuf.")]
    public async Task An_invalid_option_refuses_the_start_with_one_line_naming_its_key_and_value(string key, string value, string expected)
    {
        var problems = await RefusedAsync(new() { [key] = value });

        problems.Should().ContainSingle(string.Join(Environment.NewLine, problems)).Which.Should().StartWith(expected);
    }

    [Fact]
    public async Task Configured_addresses_that_are_not_addresses_are_named_by_their_keys()
    {
        var problems = await RefusedAsync(new() { ["Ingestion:Mllp:Endpoint"] = "abc", ["Gateway:Urls"] = "port 8080" }, mllp: null, urls: null);

        problems.Should().BeEquivalentTo(
            "Ingestion:Mllp:Endpoint 'abc' is not host:port (e.g. 127.0.0.1:2575).",
            "Gateway:Urls 'port 8080' is not a listen address such as http://127.0.0.1:8080.");
    }

    [Fact]
    public async Task Every_problem_of_every_section_is_listed_at_once()
    {
        var problems = await RefusedAsync(new()
        {
            ["RecordStore:Mode"] = "Remote",
            ["RecordStore:RemoteUrl"] = "store.example",
            ["Ingestion:MaxMessageBytes"] = "-1",
            ["Ingestion:Delivery:RetryBaseDelay"] = "00:01:00",
            ["Ingestion:Delivery:RetryMaxDelay"] = "00:00:01",
            ["Authentication:BackchannelTimeoutSeconds"] = "0",
            ["Telemetry:Otlp:ExportIntervalSeconds"] = "often",
        });

        problems.Should().HaveCount(5, string.Join(Environment.NewLine, problems));
        problems.Should().ContainSingle(p => p.StartsWith("RecordStore:RemoteUrl 'store.example'", StringComparison.Ordinal));
        problems.Should().ContainSingle(p => p.StartsWith("Ingestion:MaxMessageBytes '-1'", StringComparison.Ordinal));
        problems.Should().ContainSingle(p => p.StartsWith("Ingestion:Delivery:RetryMaxDelay '00:00:01' is shorter than RetryBaseDelay", StringComparison.Ordinal));
        problems.Should().ContainSingle(p => p.StartsWith("Authentication:BackchannelTimeoutSeconds '0'", StringComparison.Ordinal));
        problems.Should().ContainSingle(p => p.StartsWith("Telemetry:Otlp:ExportIntervalSeconds 'often' is not a whole number", StringComparison.Ordinal));
        problems.Should().OnlyContain(p => !p.Contains('\n'), "one line each");
    }

    /// <summary>The same invalid configuration, from the environment as an operator would set it.</summary>
    private static readonly Dictionary<string, string> Invalid = new()
    {
        ["DSN_RecordStore__Mode"] = "Remote",
        ["DSN_Ingestion__Mllp__IdleTimeoutSeconds"] = "0",
        ["DSN_Access__RestrictedPatients__0"] = "Patient/42",
    };

    private static readonly string[] InvalidLines =
    [
        "RecordStore:RemoteUrl is required when RecordStore:Mode is Remote",
        "Ingestion:Mllp:IdleTimeoutSeconds '0' is not a positive number of seconds",
        "Access:RestrictedPatients:0 'Patient/42' is not a Patient id",
    ];

    [Fact]
    public async Task Serve_and_the_commands_refuse_the_same_invalid_configuration_listing_every_problem()
    {
        await using (var gateway = GatewayProcess.Start(["serve", "--urls", "http://127.0.0.1:0", "--mllp", "127.0.0.1:0", "--data-dir", Data], variables: Invalid))
        {
            (await gateway.WaitForExitAsync()).Should().Be(1);
            ShouldListExactly(gateway.Output);
            gateway.Output.Should().NotContain("Now listening");
        }
        Directory.Exists(Data).Should().BeFalse("a refused start creates nothing");

        foreach (var command in new[] { new[] { "deadletters", "list" }, new[] { "codes", "unmapped" } })
        {
            await using var refused = GatewayProcess.Start([.. command, "--data-dir", Data], variables: Invalid);
            (await refused.WaitForExitAsync()).Should().Be(1, refused.Output);
            ShouldListExactly(refused.StandardError);
            refused.StandardOutput.Should().BeEmpty();
        }
        Directory.Exists(Data).Should().BeFalse("a refused command creates nothing either");
    }

    private static void ShouldListExactly(string output)
    {
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        lines.Should().HaveCount(InvalidLines.Length, output);
        foreach (var expected in InvalidLines) lines.Should().ContainSingle(l => l.StartsWith(expected, StringComparison.Ordinal), output);
        output.Should().NotContain("   at ", "a refused start is not a crash: no stack trace");
    }
}
