using System.Globalization;
using System.Net;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;

namespace DsnGateway.Tests.Hosting;

/// <summary>The gateway executable as operators run it.</summary>
public sealed class ProcessTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "dsn-process-tests", Guid.NewGuid().ToString("N"));

    public ProcessTests() => Directory.CreateDirectory(_root);

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task Production_refuses_the_development_only_features_with_a_clear_message()
    {
        await using var gateway = GatewayProcess.Start(["serve", "--urls", "http://127.0.0.1:0", "--data-dir", Path.Combine(_root, "prod")], environment: "Production");

        var exitCode = await gateway.WaitForExitAsync();

        exitCode.Should().Be(1);
        gateway.Output.Should().Contain("Refusing to start in Production").And.Contain("sample data").And.Contain("Development");
        gateway.Output.Should().NotContain("Now listening");
    }

    [Fact]
    public async Task A_usage_error_exits_with_2()
    {
        await using var gateway = GatewayProcess.Start(["serve", "--no-such-option"]);
        (await gateway.WaitForExitAsync()).Should().Be(2);
    }

    [Fact]
    public async Task The_embedded_store_has_no_socket_the_gateway_listens_on_its_http_and_mllp_ports_only()
    {
        var data = Path.Combine(_root, "sockets");
        await using var gateway = GatewayProcess.Start(["--urls", "http://127.0.0.1:0", "--mllp", "127.0.0.1:0", "--data-dir", data]);
        var address = await gateway.WaitUntilListeningAsync();
        using var client = await ClientAsync(address, data);
        (await client.GetAsync("fhir/Patient/sample-nim-tremblay")).StatusCode.Should().Be(HttpStatusCode.OK);

        var mllp = await gateway.WaitForMllpPortAsync();
        var ports = ListeningTcpPorts(gateway.Id);

        ports.Should().BeEquivalentTo([address.Port, mllp], "the store is reachable only through the gateway's own pipeline");
    }

    [Fact]
    public async Task Each_data_directory_is_a_separate_gateway_and_holds_all_its_state()
    {
        var workingDirectory = Path.Combine(_root, "cwd");
        Directory.CreateDirectory(workingDirectory);
        var first = Path.Combine(_root, "first");
        var second = Path.Combine(_root, "second");
        await using var a = GatewayProcess.Start(["--urls", "http://127.0.0.1:0", "--mllp", "127.0.0.1:0", "--data-dir", first], workingDirectory: workingDirectory);
        await using var b = GatewayProcess.Start(["--urls", "http://127.0.0.1:0", "--mllp", "127.0.0.1:0", "--data-dir", second, "--no-sample-data"], workingDirectory: workingDirectory);
        using var clientA = await ClientAsync(await a.WaitUntilListeningAsync(), first);
        using var clientB = await ClientAsync(await b.WaitUntilListeningAsync(), second);

        using var created = await clientA.PostAsync("fhir/Patient", GatewayFixture.Json(new Patient
        {
            Name = [new HumanName { Family = "Isolée" }],
            Identifier = [new Identifier { System = "urn:dsn:mrn:nim", Value = "NIM-ISO-1" }],
        }));
        created.StatusCode.Should().Be(HttpStatusCode.Created);
        var id = created.Headers.Location!.Segments[^3].TrimEnd('/');

        (await clientA.GetAsync($"fhir/Patient/{id}")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await clientB.GetAsync($"fhir/Patient/{id}")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await clientB.GetAsync("fhir/Patient/sample-nim-tremblay")).StatusCode.Should().Be(HttpStatusCode.NotFound, "--no-sample-data starts empty");

        File.Exists(Path.Combine(first, "records.db")).Should().BeTrue();
        File.Exists(Path.Combine(second, "records.db")).Should().BeTrue();
        Directory.GetFiles(Path.Combine(first, "logs")).Should().NotBeEmpty();
        Directory.EnumerateFileSystemEntries(workingDirectory).Should().BeEmpty("no state is written outside --data-dir");
        File.Exists(Path.Combine(first, "audit.db")).Should().BeTrue("the audit store lives in the data directory too");
        File.Exists(Path.Combine(first, "keys", "development-issuer.json")).Should().BeTrue();
    }

    /// <summary>A client with a token from the gateway's own token command for that data directory.</summary>
    private static async Task<HttpClient> ClientAsync(Uri address, string dataDirectory)
    {
        var token = await GatewayProcess.TokenAsync(dataDirectory, "--sub", "dr.test", "--scope", "user/*.cruds", "--role", "clinician", "--establishment", "NIM");
        var client = new HttpClient { BaseAddress = address };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>TCP ports in LISTEN state whose socket belongs to the process (Linux /proc).</summary>
    private static List<int> ListeningTcpPorts(int pid)
    {
        var inodes = new HashSet<string>();
        foreach (var fd in Directory.GetFiles($"/proc/{pid}/fd"))
        {
            try
            {
                var target = new FileInfo(fd).LinkTarget;
                if (target is not null && target.StartsWith("socket:[", StringComparison.Ordinal)) inodes.Add(target[8..^1]);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        var ports = new List<int>();
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            if (!File.Exists(table)) continue;
            foreach (var line in File.ReadLines(table).Skip(1))
            {
                var cols = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (cols.Length < 10 || cols[3] != "0A" || !inodes.Contains(cols[9])) continue; // 0A = LISTEN
                ports.Add(int.Parse(cols[1].Split(':')[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
            }
        }
        return ports.Distinct().Order().ToList();
    }
}
