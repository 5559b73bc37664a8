using System.Data.Common;
using Dapper;
using DsnGateway.RecordStore.Indexing;
using DsnGateway.RecordStore.Search;
using DsnGateway.Sqlite.Migrations;
using Microsoft.Data.Sqlite;

namespace DsnGateway.RecordStore.Storage;

/// <summary>
/// Resources in one SQLite file (WAL, synchronous=FULL: a committed write survives a crash). Writers are
/// serialized by SQLite's own lock (BEGIN IMMEDIATE), which holds across processes.
/// </summary>
public sealed class SqliteResourceRepository : IResourceRepository
{
    private readonly string _connectionString;

    public SqliteResourceRepository(string databasePath)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(databasePath));
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            // Seconds a statement waits for another writer's lock before failing.
            DefaultTimeout = 30,
        }.ToString();
        DatabasePath = databasePath;
    }

    public string DatabasePath { get; }

    /// <summary>A pooled connection. Waiting for another writer's lock is bounded by DefaultTimeout.</summary>
    internal async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    /// <summary>A connection for writing: every commit reaches the disk before it returns (synchronous=FULL).</summary>
    private async Task<SqliteConnection> OpenForWriteAsync(CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken);
        await using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA synchronous = FULL;";
        await pragma.ExecuteNonQueryAsync(cancellationToken);
        return connection;
    }

    /// <summary>records.db's versioned layout: the scripts of Storage/Migrations (ADR 0013).</summary>
    public static readonly DatabaseSchema Schema = DatabaseSchema.FromResources("records", typeof(SqliteResourceRepository).Assembly);

    public async Task InitializeAsync(CancellationToken cancellationToken) => await MigrateAsync(cancellationToken);

    /// <summary>Creates the file or brings it to the newest schema version, under SQLite's write lock.</summary>
    /// <exception cref="SchemaVersionException">the file is newer than this build, or not a records database.</exception>
    public async Task<SchemaUpgrade> MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await Schema.MigrateAsync(connection, cancellationToken);
    }

    public async Task<StoredResource?> ReadAsync(string type, string id, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await ReadCurrentAsync(connection, null, type, id, cancellationToken);
    }

    internal static async Task<StoredResource?> ReadCurrentAsync(DbConnection connection, DbTransaction? transaction, string type, string id, CancellationToken cancellationToken)
    {
        var row = await connection.QuerySingleOrDefaultAsync<ResourceRow>(new CommandDefinition(
            "SELECT type, id, version, last_updated AS LastUpdated, deleted, json, seq FROM resource WHERE type = @type AND id = @id",
            new { type, id }, transaction, cancellationToken: cancellationToken));
        return row?.ToStored();
    }

    public async Task<StoredResource?> ReadVersionAsync(string type, string id, long versionId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<ResourceRow>(new CommandDefinition(
            "SELECT type, id, version, last_updated AS LastUpdated, deleted, json, 0 AS seq, method FROM resource_version WHERE type = @type AND id = @id AND version = @versionId",
            new { type, id, versionId }, cancellationToken: cancellationToken));
        return row?.ToStored();
    }

    public async Task<IReadOnlyList<StoredResource>> HistoryAsync(string type, string id, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<ResourceRow>(new CommandDefinition(
            "SELECT type, id, version, last_updated AS LastUpdated, deleted, json, 0 AS seq, method FROM resource_version WHERE type = @type AND id = @id ORDER BY version DESC",
            new { type, id }, cancellationToken: cancellationToken));
        return rows.Select(r => r.ToStored()).ToList();
    }

    public async Task<SearchPage> SearchAsync(SearchQuery query, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        if (query.Options.Summary == SummaryMode.Count)
        {
            // One statement is its own snapshot: no transaction to begin and end (the gateway's checks run this).
            return await SqlSearch.RunAsync(connection, null, query, cancellationToken);
        }
        // One read transaction: the page, its total and its includes come from the same snapshot.
        await using var transaction = connection.BeginTransaction(deferred: true);
        return await SqlSearch.RunAsync(connection, transaction, query, cancellationToken);
    }

    public async Task<IWriteSession> BeginWriteAsync(CancellationToken cancellationToken)
    {
        var connection = await OpenForWriteAsync(cancellationToken);
        try
        {
            // BEGIN IMMEDIATE: take the write lock now, so what this unit reads stays true until it commits.
            var transaction = connection.BeginTransaction(deferred: false);
            return new SqlWriteSession(connection, transaction);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public async Task<bool> IsWritableAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await OpenAsync(cancellationToken);
            await using var transaction = connection.BeginTransaction(deferred: false);
            await connection.ExecuteAsync(new CommandDefinition("CREATE TEMP TABLE IF NOT EXISTS readiness_probe (x INTEGER)", transaction: transaction, cancellationToken: cancellationToken));
            await transaction.RollbackAsync(cancellationToken);
            var mode = await connection.ExecuteScalarAsync<string>(new CommandDefinition("PRAGMA query_only", cancellationToken: cancellationToken));
            return mode == "0";
        }
        catch (SqliteException)
        {
            return false;
        }
    }
}

/// <summary>A row as Dapper reads it.</summary>
internal sealed class ResourceRow
{
    public string Type { get; set; } = "";
    public string Id { get; set; } = "";
    public long Version { get; set; }
    public long LastUpdated { get; set; }
    public long Deleted { get; set; }
    public string? Json { get; set; }
    public long Seq { get; set; }
    public string? Method { get; set; }
    public long SortValue { get; set; }

    public StoredResource ToStored() =>
        new(Type, Id, Version, DateTimeOffset.FromUnixTimeMilliseconds(LastUpdated), Deleted != 0, Json, Seq, Method);
}
