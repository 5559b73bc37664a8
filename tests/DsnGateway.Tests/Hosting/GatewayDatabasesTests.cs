using System.Net;
using DsnGateway.Audit;
using DsnGateway.Ingestion;

namespace DsnGateway.Tests.Hosting;

/// <summary>
/// The gateway's start over databases of other builds (ADR 0013): an older data directory is migrated before anything
/// opens it and served; a database newer than the build refuses the start in one line, no stack trace.
/// </summary>
public sealed class GatewayDatabasesTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "dsn-gateway-databases", Guid.NewGuid().ToString("N"));

    public GatewayDatabasesTests() => Directory.CreateDirectory(_root);

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    private string Data => Path.Combine(_root, "data");

    [Fact]
    public async Task A_data_directory_of_the_build_before_schema_versions_is_migrated_at_the_start_and_served()
    {
        SchemaFixtures.CopyTo(SchemaFixtures.Records, Path.Combine(Data, "records.db"));
        SchemaFixtures.CopyTo(SchemaFixtures.Inbox, Path.Combine(Data, InboxStore.FileName));
        SchemaFixtures.CopyTo(SchemaFixtures.Audit, Path.Combine(Data, AuditStore.FileName));

        await using var gateway = GatewayProcess.Start(["--urls", "http://127.0.0.1:0", "--mllp", "127.0.0.1:0", "--data-dir", Data]);
        var address = await gateway.WaitUntilListeningAsync();
        using var http = new HttpClient { BaseAddress = address };
        var token = await GatewayProcess.TokenAsync(Data, "--sub", "dr.fixture", "--establishment", "NIM", "--scope", "user/*.rs", "--role", "clinician");
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);

        var search = await http.GetAsync("fhir/Patient?identifier=urn:dsn:mrn:nim|NIM555001");

        search.StatusCode.Should().Be(HttpStatusCode.OK);
        (await search.Content.ReadAsStringAsync()).Should().Contain("Lavoie");
        gateway.Output.Should().Contain($"Database {Path.Combine(Data, "records.db")} migrated from schema version 0 to 1")
            .And.Contain($"Database {Path.Combine(Data, AuditStore.FileName)} migrated from schema version 0 to {AuditStore.Schema.LatestVersion}");
        (await SchemaFixtures.UserVersionAsync(Path.Combine(Data, AuditStore.FileName))).Should().Be(AuditStore.Schema.LatestVersion);
    }

    [Fact]
    public async Task A_database_newer_than_the_build_refuses_the_start_in_one_line()
    {
        var records = SchemaFixtures.CopyTo(SchemaFixtures.Records, Path.Combine(Data, "records.db"));
        await SchemaFixtures.SetUserVersionAsync(records, 5);

        await using var gateway = GatewayProcess.Start(["--urls", "http://127.0.0.1:0", "--mllp", "127.0.0.1:0", "--data-dir", Data]);

        (await gateway.WaitForExitAsync()).Should().Be(1);
        gateway.StandardError.Trim().Should().Be($"{records} has records schema version 5, newer than this build knows (up to 1): run the build that wrote it, or a newer one.");
        gateway.Output.Should().NotContain("Now listening").And.NotContain("   at ", "a refused start, not a crash dump");
    }
}
