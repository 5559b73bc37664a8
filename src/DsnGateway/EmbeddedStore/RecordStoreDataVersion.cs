using Microsoft.Data.Sqlite;

namespace DsnGateway.EmbeddedStore;

/// <summary>
/// A number that changes whenever anything is committed to the embedded store's database, by this process or
/// any other (SQLite's <c>PRAGMA data_version</c>, read on a connection of its own that never writes, so every
/// commit is another connection's). What was computed from the database at one value still holds while the
/// value is the same, which is what lets <see cref="Authorization.VisibilityCache"/> remember decisions exactly.
/// </summary>
internal sealed class RecordStoreDataVersion : IDisposable
{
    private readonly Lock _lock = new();
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _command;

    public RecordStoreDataVersion(string databasePath)
    {
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Mode = SqliteOpenMode.ReadOnly,
            Cache = SqliteCacheMode.Private,
            // Its own connection for the process's life: data_version counts commits by other connections only.
            Pooling = false,
            // Waits at most a second on a lock (while holding this object's), then answers "unknown".
            DefaultTimeout = 1,
        }.ToString());
        _connection.Open();
        _command = _connection.CreateCommand();
        _command.CommandText = "PRAGMA data_version";
        _command.Prepare();
    }

    /// <summary>
    /// The current value, or null when the database cannot say (busy, gone): then nothing may be trusted as
    /// unchanged. One short read transaction on the database's shared memory, no statement to parse.
    /// </summary>
    public long? TryRead()
    {
        lock (_lock)
        {
            try
            {
                return (long)_command.ExecuteScalar()!;
            }
            catch (SqliteException)
            {
                return null;
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _command.Dispose();
            _connection.Dispose();
        }
    }
}
