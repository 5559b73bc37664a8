using Microsoft.Data.Sqlite;

namespace DsnGateway.Storage;

/// <summary>
/// One of the gateway's own SQLite files (audit, inbox): every connection writes with synchronous=FULL (a
/// committed row survives a crash, which is what an ACK or a released answer promises) and waits a bounded
/// time for another writer's lock, after which the caller fails closed rather than hang.
/// </summary>
internal sealed class DurableSqliteFile
{
    private readonly string _connectionString;
    private readonly int _busyTimeoutMilliseconds;

    /// <param name="busyTimeout">How long a statement waits for another connection's lock; default 5 s.</param>
    public DurableSqliteFile(string path, TimeSpan? busyTimeout = null, bool createIfMissing = true)
    {
        Path = System.IO.Path.GetFullPath(path);
        var timeout = busyTimeout ?? TimeSpan.FromSeconds(5);
        _busyTimeoutMilliseconds = (int)Math.Max(0, timeout.TotalMilliseconds);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = createIfMissing ? SqliteOpenMode.ReadWriteCreate : SqliteOpenMode.ReadWrite,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            // Microsoft.Data.Sqlite retries a busy statement up to this many seconds; 0 would mean forever.
            DefaultTimeout = Math.Max(1, (int)Math.Ceiling(timeout.TotalSeconds)),
        }.ToString();
    }

    public string Path { get; }

    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            await using var pragma = connection.CreateCommand();
            pragma.CommandText = $"PRAGMA synchronous = FULL; PRAGMA busy_timeout = {_busyTimeoutMilliseconds};";
            await pragma.ExecuteNonQueryAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Closes this file's idle pooled connections (so it can be moved, deleted or copied).</summary>
    public void ReleaseConnections()
    {
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
    }

    public void EnsureDirectory()
    {
        var directory = System.IO.Path.GetDirectoryName(Path);
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
    }
}
