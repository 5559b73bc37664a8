using System.Diagnostics;
using System.Text.Json;

namespace DsnGateway.Tests.Cli;

/// <summary>
/// The commands agree: 0 done (an empty result included, said on standard error), 1 refused or failed (a missing
/// input file included), 2 usage (bad or missing arguments); standard output carries only the result.
/// </summary>
public sealed class ExitCodeTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "dsn-exit-codes", Guid.NewGuid().ToString("N"));

    public ExitCodeTests() => Directory.CreateDirectory(_root);

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    private string Data => Path.Combine(_root, "data");

    [Fact]
    public async Task Empty_results_are_success_with_a_note_on_standard_error_and_nothing_on_standard_output()
    {
        (await RunAsync("deadletters", "list")).Should().Be((0, "", "no dead letters"));
        (await RunAsync("deadletters", "replay", "--all")).Should().Be((0, "", "no dead letters to replay"));
        var unmapped = await RunAsync("codes", "unmapped");
        unmapped.Exit.Should().Be(0);
        unmapped.Error.Should().Be("no unmapped codes");
    }

    [Fact]
    public async Task A_missing_input_file_is_a_failure_for_map_and_import()
    {
        var missing = Path.Combine(_root, "none.hl7");

        (await RunAsync("map", missing)).Exit.Should().Be(1);
        (await RunAsync("map", Path.Combine(_root, "none.csv"), "--establishment", "NIM", "--kind", "patients")).Exit.Should().Be(1);
        var import = await RunAsync("import", "NIM", "patients", Path.Combine(_root, "none.csv"));
        import.Exit.Should().Be(1);
        import.Error.Should().Contain("none.csv").And.Contain("does not exist");
    }

    [Fact]
    public async Task Bad_or_missing_arguments_are_usage_errors()
    {
        (await RunAsync("deadletters", "replay")).Exit.Should().Be(2);
        (await RunAsync("deadletters", "replay", "not-an-id")).Exit.Should().Be(2);
        (await RunAsync("codes", "unmapped", "--establishment", "XYZ")).Exit.Should().Be(2);
        (await RunAsync("import", "NIM")).Exit.Should().Be(2);
        (await RunAsync("map", Path.Combine(_root, "x.csv"), "--establishment", "NIM")).Exit.Should().Be(2);
        (await RunAsync("serve", "--mllp", "not-an-address")).Exit.Should().Be(2);
    }

    [Fact]
    public async Task Refusals_are_failures()
    {
        (await RunAsync("deadletters", "replay", "424242")).Exit.Should().Be(1, "there is no such dead letter");
        var config = await RunAsync("deadletters", "list", "--config-dir", Path.Combine(_root, "no-config"));
        config.Exit.Should().Be(1);
        config.Error.Should().StartWith("--config-dir").And.NotContain("\n", "one line, no stack trace");
    }

    [Fact]
    public async Task Map_writes_only_json_on_standard_output()
    {
        var message = Path.Combine(_root, "rde.hl7");
        var pid = Ingestion.OrderMessages.Pid("NIM4242^^^NIM^MR", "Bélanger^Zoé", "20010203", "F");
        await File.WriteAllBytesAsync(message, Ingestion.AdtMessages.Utf8(Ingestion.OrderMessages.Rde("PHARM_NIM", "NIM", "EXIT1", pid, "NW", "CMD-8", "", "LOCAL9^Sirop^PHARMNIM", "5")));
        var map = await RunAsync("map", message);
        map.Exit.Should().Be(0, map.Error);
        JsonDocument.Parse(map.Output).RootElement.GetProperty("resourceType").GetString().Should().Be("Bundle");
        map.Error.Should().Contain("unmapped drug code", "notes go to standard error");

        // A CSV refused at its header: the reason on standard error, nothing on standard output (not half an array).
        var csv = Path.Combine(_root, "wrong.csv");
        await File.WriteAllTextAsync(csv, "a;b\n1;2\n");
        var refused = await RunAsync("map", csv, "--establishment", "NIM", "--kind", "patients");
        refused.Exit.Should().Be(1);
        refused.Output.Should().BeEmpty();
        refused.Error.Should().Contain("refused: the header row matches none of the layouts");
    }

    [Fact]
    public async Task The_dsn_script_at_the_repository_root_runs_the_built_gateway_in_Development()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root.GetFiles("DsnGateway.sln").Length == 0) root = root.Parent!;
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _root };
        foreach (var argument in new[] { Path.Combine(root.FullName, "dsn"), "token", "--sub", "dr.script", "--scope", "user/*.rs", "--role", "clinician", "--establishment", "NIM", "--data-dir", Data })
            info.ArgumentList.Add(argument);
        info.Environment.Remove("DOTNET_ENVIRONMENT");
        info.Environment.Remove("ASPNETCORE_ENVIRONMENT");
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        // A hang detector, not a timing check: the script may have to build the gateway first.
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        await process.WaitForExitAsync(timeout.Token);

        process.ExitCode.Should().Be(0, await error);
        (await output).Trim().Split('.').Should().HaveCount(3, "the token alone is printed, a JWT");
    }

    private async Task<(int Exit, string Output, string Error)> RunAsync(params string[] arguments)
    {
        await using var command = GatewayProcess.Start([.. arguments, "--data-dir", Data]);
        var exit = await command.WaitForExitAsync();
        return (exit, command.StandardOutput.Trim(), command.StandardError.Trim());
    }
}
