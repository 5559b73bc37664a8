using DsnGateway.Audit;
using DsnGateway.Ingestion;
using DsnGateway.RecordStore.Storage;
using DsnGateway.Sqlite.Migrations;
using Microsoft.Data.Sqlite;
using DsnGateway.Runtime;

namespace DsnGateway.Hosting;

/// <summary>
/// The SQLite files of a data directory and their schema versions (ADR 0013): the record store's, the inbox and the
/// audit. The gateway brings them to this build's versions at its start, before anything else opens them, so that a
/// file this build cannot use refuses the start in one line (rather than failing inside a hosted service); the
/// <c>migrate</c> command does the same explicitly. A file that does not exist is left to its store, which creates it
/// at the newest version.
/// </summary>
internal static class GatewayDatabases
{
    /// <param name="recordsFile">The record store's file (relative to the data directory), or null when this process
    /// does not use it (a gateway in front of a remote store).</param>
    /// <returns>One outcome per database, in the order records, inbox, audit; every file is tried, whatever the
    /// others gave.</returns>
    public static async Task<IReadOnlyList<DatabaseMigration>> MigrateAsync(GatewayPaths paths, string? recordsFile, CancellationToken cancellationToken)
    {
        var outcomes = new List<DatabaseMigration>();
        foreach (var (path, migrate) in Databases(paths, recordsFile))
        {
            if (!File.Exists(path))
            {
                outcomes.Add(new DatabaseMigration(path, null, null));
                continue;
            }
            try
            {
                outcomes.Add(new DatabaseMigration(path, await migrate(cancellationToken), null));
            }
            catch (SchemaVersionException ex)
            {
                outcomes.Add(new DatabaseMigration(path, null, ex.Message));
            }
            catch (SqliteException ex)
            {
                outcomes.Add(new DatabaseMigration(path, null, $"{path} cannot be used as a database: {ex.Message}"));
            }
        }
        return outcomes;
    }

    private static IEnumerable<(string Path, Func<CancellationToken, Task<SchemaUpgrade>> Migrate)> Databases(GatewayPaths paths, string? recordsFile)
    {
        if (recordsFile is not null)
        {
            var records = paths.InData(recordsFile);
            yield return (records, token => new SqliteResourceRepository(records).MigrateAsync(token));
        }
        var inbox = new InboxStore(paths.InData(InboxStore.FileName));
        yield return (inbox.DatabasePath, token => ReleasingAsync(inbox.MigrateAsync(token), inbox.ReleaseConnections));
        var audit = new AuditStore(paths.InData(AuditStore.FileName), createIfMissing: false);
        yield return (audit.DatabasePath, token => ReleasingAsync(audit.MigrateAsync(token), audit.ReleaseConnections));
    }

    private static async Task<SchemaUpgrade> ReleasingAsync(Task<SchemaUpgrade> migration, Action release)
    {
        try
        {
            return await migration;
        }
        finally
        {
            release();
        }
    }
}

/// <summary>
/// What became of one database file: migrated (<see cref="Upgrade"/>, its versions before and after), refused
/// (<see cref="Refused"/>, one line naming the file), or absent (neither).
/// </summary>
internal sealed record DatabaseMigration(string Path, SchemaUpgrade? Upgrade, string? Refused);
