using DsnGateway.Audit;
using DsnGateway.Ingestion;

namespace DsnGateway.Tests.Cli;

/// <summary>
/// <c>migrate</c> through the real executable, over a data directory of the build before schema versions
/// (<see cref="SchemaFixtures"/>): one line per database on standard output, its version before and after.
/// </summary>
public sealed class MigrateCommandTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "dsn-migrate-tests", Guid.NewGuid().ToString("N"));

    public MigrateCommandTests() => Directory.CreateDirectory(_root);

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    private string Data => Path.Combine(_root, "data");

    private string Records => Path.Combine(Data, "records.db");

    private string Inbox => Path.Combine(Data, InboxStore.FileName);

    private string Audit => Path.Combine(Data, AuditStore.FileName);

    [Fact]
    public async Task Migrate_prints_each_database_with_its_version_before_and_after_and_a_second_run_finds_them_up_to_date()
    {
        SchemaFixtures.CopyTo(SchemaFixtures.Records, Records);
        SchemaFixtures.CopyTo(SchemaFixtures.Inbox, Inbox);
        SchemaFixtures.CopyTo(SchemaFixtures.Audit, Audit);

        var first = await RunAsync("migrate");
        var second = await RunAsync("migrate");

        first.Should().Be((0, string.Join('\n',
            $"{Records}: schema version 0 -> 1",
            $"{Inbox}: schema version 1 -> 1 (up to date)",
            $"{Audit}: schema version 0 -> 2"), ""));
        second.Should().Be((0, string.Join('\n',
            $"{Records}: schema version 1 -> 1 (up to date)",
            $"{Inbox}: schema version 1 -> 1 (up to date)",
            $"{Audit}: schema version 2 -> 2 (up to date)"), ""));
        (await SchemaFixtures.UserVersionAsync(Audit)).Should().Be(AuditStore.Schema.LatestVersion);
    }

    [Fact]
    public async Task A_database_newer_than_the_build_fails_the_command_in_one_line_and_the_others_are_still_migrated()
    {
        SchemaFixtures.CopyTo(SchemaFixtures.Records, Records);
        SchemaFixtures.CopyTo(SchemaFixtures.Audit, Audit);
        await SchemaFixtures.SetUserVersionAsync(Audit, 7);

        var (exit, output, error) = await RunAsync("migrate");

        exit.Should().Be(1);
        error.Should().Be($"{Audit} has audit schema version 7, newer than this build knows (up to {AuditStore.Schema.LatestVersion}): run the build that wrote it, or a newer one.");
        output.Should().Be(string.Join('\n',
            $"{Records}: schema version 0 -> 1",
            $"{Inbox}: absent (created at the newest version when first opened)"));
        File.Exists(Inbox).Should().BeFalse("migrate creates no database");
        (await SchemaFixtures.UserVersionAsync(Audit)).Should().Be(7);
    }

    [Fact]
    public async Task The_other_commands_refuse_a_newer_database_in_one_line()
    {
        SchemaFixtures.CopyTo(SchemaFixtures.Audit, Audit);
        SchemaFixtures.CopyTo(SchemaFixtures.Inbox, Inbox);
        await SchemaFixtures.SetUserVersionAsync(Audit, 7);
        await SchemaFixtures.SetUserVersionAsync(Inbox, 7);

        var verify = await RunAsync("audit", "verify");
        var codes = await RunAsync("codes", "unmapped");

        verify.Should().Be((1, "", $"{Audit} has audit schema version 7, newer than this build knows (up to {AuditStore.Schema.LatestVersion}): run the build that wrote it, or a newer one."));
        codes.Should().Be((1, "", $"{Inbox} has inbox schema version 7, newer than this build knows (up to {InboxStore.Schema.LatestVersion}): run the build that wrote it, or a newer one."));
    }

    [Fact]
    public async Task Migrate_is_refused_while_a_gateway_holds_the_data_directory()
    {
        await using var gateway = GatewayProcess.Start(["--urls", "http://127.0.0.1:0", "--mllp", "127.0.0.1:0", "--no-sample-data", "--data-dir", Data]);
        await gateway.WaitUntilListeningAsync();

        var (exit, output, error) = await RunAsync("migrate");

        exit.Should().Be(1);
        output.Should().BeEmpty();
        error.Should().Contain(Data).And.Contain($"pid {gateway.Id}");
    }

    private async Task<(int Exit, string Output, string Error)> RunAsync(params string[] arguments)
    {
        await using var command = GatewayProcess.Start([.. arguments, "--data-dir", Data]);
        var exit = await command.WaitForExitAsync();
        return (exit, command.StandardOutput.Trim().ReplaceLineEndings("\n"), command.StandardError.Trim());
    }
}
