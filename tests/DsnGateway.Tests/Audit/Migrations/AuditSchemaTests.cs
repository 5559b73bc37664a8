using DsnGateway.Audit;
using DsnGateway.Sqlite.Migrations;

namespace DsnGateway.Tests.Audit.Migrations;

/// <summary>audit.db's schema versions, from the file the gateway made before it had any (<see cref="SchemaFixtures.Audit"/>).</summary>
public sealed class AuditSchemaTests : IDisposable
{
    private readonly string _directory = AuditTestData.NewDataDirectory();

    public void Dispose() => AuditTestData.Delete(_directory);

    [Fact]
    public async Task An_audit_made_before_schema_versions_is_adopted_as_version_1_its_chain_intact_and_extended()
    {
        var path = SchemaFixtures.CopyTo(SchemaFixtures.Audit, Path.Combine(_directory, AuditStore.FileName));
        (await SchemaFixtures.UserVersionAsync(path)).Should().Be(0, "the fixture is as 22faf50 left it");
        var store = new AuditStore(path);
        var before = await AuditChain.VerifyAsync(store, CancellationToken.None);

        await using (var writer = new AuditWriter(store, new AuditEventFactory()))
        {
            await writer.StartAsync(CancellationToken.None); // opens the file as a restarted gateway does
            (await SchemaFixtures.UserVersionAsync(path)).Should().Be(AuditStore.Schema.LatestVersion);
            await writer.RecordAsync(AuditTestData.Read("after-upgrade"), CancellationToken.None);
            await writer.StopAsync(CancellationToken.None);
        }

        before.IsIntact.Should().BeTrue();
        before.IntactRecords.Should().BeGreaterThan(0);
        var after = await AuditChain.VerifyAsync(store, CancellationToken.None);
        after.IsIntact.Should().BeTrue("the new record continues the old chain");
        after.IntactRecords.Should().Be(before.IntactRecords + 1);
        var patients = new List<string>();
        await foreach (var (_, patient) in store.ReadPatientIndexAsync(CancellationToken.None)) patients.Add(patient);
        patients.Should().Contain("Patient/after-upgrade");
        store.ReleaseConnections();
    }

    [Fact]
    public async Task The_first_script_is_the_layout_the_gateway_made_before_schema_versions()
    {
        // Version 1 alone (later scripts add what stands beside the chain, 0002: checkpoints, fallback).
        var path = Path.Combine(_directory, "fresh.db");
        var firstOnly = new DsnGateway.Sqlite.Migrations.DatabaseSchema("audit", AuditStore.Schema.Scripts.Take(1).ToList());
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False"))
        {
            await connection.OpenAsync();
            (await firstOnly.MigrateAsync(connection, CancellationToken.None)).After.Should().Be(1);
        }

        (await SchemaFixtures.LayoutAsync(path)).Should().Equal(await SchemaFixtures.LayoutAsync(SchemaFixtures.Audit));
    }

    [Fact]
    public async Task An_audit_newer_than_the_build_is_refused_with_one_line_naming_it()
    {
        var path = SchemaFixtures.CopyTo(SchemaFixtures.Audit, Path.Combine(_directory, AuditStore.FileName));
        var newer = AuditStore.Schema.LatestVersion + 1;
        await SchemaFixtures.SetUserVersionAsync(path, newer);
        var store = new AuditStore(path);

        var opening = async () => await store.InitializeAsync(CancellationToken.None);

        (await opening.Should().ThrowAsync<SchemaVersionException>()).Which.Message.Should().Be(
            $"{path} has audit schema version {newer}, newer than this build knows (up to {AuditStore.Schema.LatestVersion}): run the build that wrote it, or a newer one.");
        store.ReleaseConnections();
    }
}
