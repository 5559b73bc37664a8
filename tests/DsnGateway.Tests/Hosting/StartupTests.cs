using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace DsnGateway.Tests.Hosting;

/// <summary>
/// Starting the gateway (and the record store alone) as operators do, with real child processes: one server per data
/// directory, refused starts that say everything wrong at once and create nothing, private files.
/// </summary>
public sealed class StartupTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "dsn-startup-tests", Guid.NewGuid().ToString("N"));

    public StartupTests() => Directory.CreateDirectory(_root);

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task A_second_gateway_on_the_same_data_directory_exits_at_once_naming_the_directory_and_the_holder_while_commands_keep_working()
    {
        var data = Path.Combine(_root, "shared-dir");
        await using var first = GatewayProcess.Start(["--urls", "http://127.0.0.1:0", "--mllp", "127.0.0.1:0", "--data-dir", data]);
        var address = await first.WaitUntilListeningAsync();

        await using (var second = GatewayProcess.Start(["--urls", "http://127.0.0.1:0", "--mllp", "127.0.0.1:0", "--data-dir", data]))
        {
            (await second.WaitForExitAsync()).Should().Be(1);
            var lines = Lines(second.Output);
            lines.Should().ContainSingle(second.Output);
            lines[0].Should().Contain(data).And.Contain($"pid {first.Id}");
            second.Output.Should().NotContain("Now listening");
        }

        // The commands act on the same directory beside the running gateway.
        await using (var list = GatewayProcess.Start(["deadletters", "list", "--data-dir", data]))
            (await list.WaitForExitAsync()).Should().Be(0, list.Output);
        await using (var verify = GatewayProcess.Start(["audit", "verify", "--data-dir", data]))
            (await verify.WaitForExitAsync()).Should().Be(0, verify.Output);
        var csv = Path.Combine(_root, "patients.csv");
        await File.WriteAllTextAsync(csv, "health_number,mrn,last_name,first_name,dob,sex,street,city,province,postal_code,phone,extracted_at\n" +
            "TESA80030412,MCQK000001,Test,Ana,1980-03-04,M,,Trois-Rivières,QC,,,2026-11-20 08:00:00\n");
        await using (var import = GatewayProcess.Start(["import", "MCQ", "patients", csv, "--data-dir", data]))
        {
            (await import.WaitForExitAsync()).Should().Be(0, import.Output);
            import.StandardOutput.Should().Contain("accepted 1");
        }

        using var http = new HttpClient { BaseAddress = address };
        (await http.GetAsync("healthz")).StatusCode.Should().Be(HttpStatusCode.OK, "the first gateway is untouched");
        foreach (var line in await ReadSharedAsync(Directory.GetFiles(Path.Combine(data, "logs"), "gateway-*.json").Single()))
            JsonDocument.Parse(line).Dispose(); // one writer: no interleaved, broken lines
    }

    [Fact]
    public async Task A_refused_start_lists_every_problem_on_a_line_of_its_own_and_creates_nothing()
    {
        using var http = Occupy();
        using var mllp = Occupy();
        var httpPort = ((IPEndPoint)http.LocalEndpoint).Port;
        var mllpPort = ((IPEndPoint)mllp.LocalEndpoint).Port;
        var data = Path.Combine(_root, "fresh");

        await using var gateway = GatewayProcess.Start(
            ["serve", "--urls", $"http://127.0.0.1:{httpPort}", "--mllp", $"127.0.0.1:{mllpPort}", "--data-dir", data], environment: "Production");

        (await gateway.WaitForExitAsync()).Should().Be(1);
        var lines = Lines(gateway.Output);
        lines.Should().HaveCount(5, gateway.Output);
        lines.Should().ContainSingle(l => l.Contains("sample data"));
        lines.Should().ContainSingle(l => l.Contains("audit checkpoint signing key"));
        lines.Should().ContainSingle(l => l.Contains("Authentication:Authority"));
        lines.Should().ContainSingle(l => l.Contains($"HTTP port {httpPort}"));
        lines.Should().ContainSingle(l => l.Contains($"MLLP port {mllpPort}"));
        gateway.Output.Should().NotContain("   at ", "a refused start is not a crash: no stack trace");
        Directory.Exists(data).Should().BeFalse("a refused start creates nothing");
    }

    [Fact]
    public async Task A_data_directory_that_cannot_be_made_and_a_missing_config_directory_are_both_named()
    {
        var file = Path.Combine(_root, "a-file");
        await File.WriteAllTextAsync(file, "not a directory");
        var config = Path.Combine(_root, "no-config");

        await using var gateway = GatewayProcess.Start(["serve", "--urls", "http://127.0.0.1:0", "--mllp", "127.0.0.1:0", "--data-dir", Path.Combine(file, "data"), "--config-dir", config]);

        (await gateway.WaitForExitAsync()).Should().Be(1);
        var lines = Lines(gateway.Output);
        lines.Should().HaveCount(2, gateway.Output);
        lines.Should().ContainSingle(l => l.StartsWith("--data-dir", StringComparison.Ordinal) && l.Contains(file));
        lines.Should().ContainSingle(l => l.StartsWith("--config-dir", StringComparison.Ordinal) && l.Contains(config));
        Directory.Exists(config).Should().BeFalse();
    }

    [Fact]
    public async Task A_broken_configuration_file_is_listed_with_the_other_problems()
    {
        var config = Path.Combine(_root, "config");
        Directory.CreateDirectory(config);
        foreach (var file in Directory.GetFiles(GatewayFixture.ConfigDirectory)) File.Copy(file, Path.Combine(config, Path.GetFileName(file)));
        await File.WriteAllTextAsync(Path.Combine(config, "senders.json"), "{ not json");
        var data = Path.Combine(_root, "broken");

        await using var gateway = GatewayProcess.Start(
            ["serve", "--urls", "http://127.0.0.1:0", "--mllp", "127.0.0.1:0", "--data-dir", data, "--config-dir", config, "--no-sample-data"], environment: "Production");

        (await gateway.WaitForExitAsync()).Should().Be(1);
        var lines = Lines(gateway.Output);
        lines.Should().HaveCount(3, gateway.Output);
        lines.Should().ContainSingle(l => l.Contains("senders.json"));
        lines.Should().ContainSingle(l => l.Contains("audit checkpoint signing key"));
        lines.Should().ContainSingle(l => l.Contains("Authentication:Authority"));
        Directory.Exists(data).Should().BeFalse();
    }

    [Theory]
    [InlineData("2575")]
    [InlineData("127.0.0.1:port")]
    [InlineData("127.0.0.1:70000")]
    public async Task A_malformed_mllp_address_is_a_usage_error(string mllp)
    {
        var data = Path.Combine(_root, "usage");

        await using var gateway = GatewayProcess.Start(["serve", "--urls", "http://127.0.0.1:0", "--mllp", mllp, "--data-dir", data]);

        (await gateway.WaitForExitAsync()).Should().Be(2);
        Lines(gateway.Output).Should().ContainSingle(gateway.Output).Which.Should().Contain("--mllp").And.Contain(mllp);
        Directory.Exists(data).Should().BeFalse();
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task The_data_directory_is_0700_and_every_database_log_and_key_0600()
    {
        var data = Path.Combine(_root, "private");
        await using var gateway = GatewayProcess.Start(["--urls", "http://127.0.0.1:0", "--mllp", "127.0.0.1:0", "--data-dir", data]);
        var address = await gateway.WaitUntilListeningAsync();
        var token = await GatewayProcess.TokenAsync(data, "--sub", "dr.test", "--scope", "user/*.rs", "--role", "clinician", "--establishment", "NIM");
        using var http = new HttpClient { BaseAddress = address };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        (await http.GetAsync("fhir/Patient/sample-nim-tremblay")).StatusCode.Should().Be(HttpStatusCode.OK);

        File.GetUnixFileMode(data).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var files = Directory.GetFiles(data, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(data, f)).ToList();
        files.Should().Contain(["records.db", "records.db-wal", "records.db-shm", "inbox.db", "inbox.db-wal", "audit.db", "audit.db-wal",
            Path.Combine("keys", "development-issuer.json"), Path.Combine("keys", "audit-checkpoint.pem"), Path.Combine("keys", "audit-checkpoint.pub.pem")]);
        files.Should().Contain(f => f.StartsWith("logs", StringComparison.Ordinal));
        foreach (var file in files)
            File.GetUnixFileMode(Path.Combine(data, file)).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite, file);
        foreach (var directory in Directory.GetDirectories(data, "*", SearchOption.AllDirectories))
            File.GetUnixFileMode(directory).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, directory);
    }

    [Fact]
    public async Task The_standalone_store_logs_json_lines_without_query_strings_takes_its_environment_and_holds_its_directory()
    {
        var data = Path.Combine(_root, "store");
        await using var store = GatewayProcess.Start(["store", "--urls", "http://127.0.0.1:0", "--data-dir", data], environment: "Production");
        var address = await store.WaitUntilListeningAsync();
        using var http = new HttpClient { BaseAddress = address };
        (await http.GetAsync("Patient?name=Secretname")).StatusCode.Should().Be(HttpStatusCode.OK);

        await using (var second = GatewayProcess.Start(["store", "--urls", "http://127.0.0.1:0", "--data-dir", data], environment: "Production"))
        {
            (await second.WaitForExitAsync()).Should().Be(1);
            Lines(second.Output).Should().ContainSingle(second.Output).Which.Should().Contain(data).And.Contain($"pid {store.Id}");
        }

        var log = Directory.GetFiles(Path.Combine(data, "logs"), "store-*.json").Should().ContainSingle().Subject;
        var lines = await ReadSharedAsync(log);
        var events = lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        events.Select(e => Property(e, "Environment")).Should().Contain("Production");
        events.Where(e => Property(e, "Path") == "/Patient").Select(e => Property(e, "StatusCode")).Should().Contain("200");
        string.Join('\n', lines).Should().NotContain("Secretname", "query strings can carry patient names");
        store.Output.Should().NotContain("Secretname");
    }

    private static string? Property(JsonElement logEvent, string name) =>
        logEvent.GetProperty("Properties").TryGetProperty(name, out var value) ? value.ToString() : null;

    private static TcpListener Occupy()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return listener;
    }

    private static List<string> Lines(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

    /// <summary>The log file as the running process leaves it open.</summary>
    private static async Task<List<string>> ReadSharedAsync(string path)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var lines = new List<string>();
        while (await reader.ReadLineAsync() is { } line) if (line.Length > 0) lines.Add(line);
        return lines;
    }
}
