using DsnGateway.Authorization;
using DsnGateway.EmbeddedStore;
using Microsoft.Data.Sqlite;

namespace DsnGateway.Tests.Authorization;

/// <summary>A remembered visibility decision holds only while nothing was committed to the store's database, by anyone.</summary>
public sealed class VisibilityCacheTests : IDisposable
{
    private static readonly KeyValuePair<string, string>[] Nim = [KeyValuePair.Create("identifier", "urn:dsn:mrn:nim|")];
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "dsn-visibility-cache", Guid.NewGuid().ToString("N"));
    private readonly string _database;

    public VisibilityCacheTests()
    {
        Directory.CreateDirectory(_directory);
        _database = Path.Combine(_directory, "records.db");
        Execute("PRAGMA journal_mode = WAL; CREATE TABLE t (x INTEGER);");
    }

    [Fact]
    public async Task A_decision_is_remembered_until_another_connection_commits()
    {
        using var version = new RecordStoreDataVersion(_database);
        var cache = new VisibilityCache(version);
        var asked = 0;
        Task<bool> Ask() { asked++; return Task.FromResult(true); }

        (await cache.GetOrComputeAsync("Patient", "p1", Nim, Ask)).Should().BeTrue();
        (await cache.GetOrComputeAsync("Patient", "p1", Nim, Ask)).Should().BeTrue();
        asked.Should().Be(1, "nothing changed in between");

        Execute("INSERT INTO t VALUES (1);"); // any commit, as another process's would be
        (await cache.GetOrComputeAsync("Patient", "p1", Nim, () => Task.FromResult(false))).Should().BeFalse("the store changed, so the store is asked again");
        (await cache.GetOrComputeAsync("Patient", "p1", Nim, Ask)).Should().BeFalse();
        asked.Should().Be(1);
    }

    [Fact]
    public async Task Decisions_are_kept_apart_by_resource_and_by_every_added_parameter()
    {
        using var version = new RecordStoreDataVersion(_database);
        var cache = new VisibilityCache(version);
        await cache.GetOrComputeAsync("Patient", "p1", Nim, () => Task.FromResult(true));

        (await cache.GetOrComputeAsync("Patient", "p2", Nim, () => Task.FromResult(false))).Should().BeFalse();
        (await cache.GetOrComputeAsync("MedicationRequest", "p1", Nim, () => Task.FromResult(false))).Should().BeFalse();
        (await cache.GetOrComputeAsync("Patient", "p1", [KeyValuePair.Create("identifier", "urn:dsn:mrn:mcq|")], () => Task.FromResult(false))).Should().BeFalse();
        (await cache.GetOrComputeAsync("Patient", "p1", [.. Nim, KeyValuePair.Create("_security:not", "R")], () => Task.FromResult(false))).Should().BeFalse();
    }

    [Fact]
    public async Task Without_a_version_to_watch_nothing_is_remembered()
    {
        var cache = new VisibilityCache();
        var asked = 0;
        for (var i = 0; i < 3; i++) await cache.GetOrComputeAsync("Patient", "p1", Nim, () => { asked++; return Task.FromResult(true); });
        asked.Should().Be(3);
    }

    private void Execute(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={_database};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public void Dispose()
    {
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}
