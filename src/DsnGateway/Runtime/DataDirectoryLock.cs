namespace DsnGateway.Runtime;

/// <summary>
/// One server per data directory: an exclusive lock on <c>&lt;data-dir&gt;/gateway.lock</c> (<c>store.lock</c> for the
/// record store run alone), held as long as the process runs. On Linux and macOS it is an flock, which the system drops
/// when the process dies, even on SIGKILL, so no stale lock is ever left to clean up. The holder's pid is written beside
/// it (<c>gateway.pid</c>) so that a second server can say which process holds the directory. Commands (import,
/// deadletters, audit verify…) take no lock: SQLite lets them share the files with a running server.
/// </summary>
internal sealed class DataDirectoryLock : IDisposable
{
    /// <summary>The gateway: one per data directory.</summary>
    public static readonly DataDirectoryServer Gateway = new("gateway", "gateway");

    /// <summary>The record store run alone (<c>store</c>): one per data directory, beside a gateway if need be.</summary>
    public static readonly DataDirectoryServer Store = new("store", "record store");

    private readonly FileStream _held;
    private readonly string _pidPath;

    private DataDirectoryLock(FileStream held, string pidPath)
    {
        _held = held;
        _pidPath = pidPath;
    }

    /// <summary>Takes the directory (which must exist) for this process.</summary>
    /// <exception cref="GatewayStartupException">another process holds it.</exception>
    public static DataDirectoryLock Acquire(string dataDirectory, DataDirectoryServer? server = null)
    {
        server ??= Gateway;
        FileStream held;
        try
        {
            held = new FileStream(LockPath(dataDirectory, server), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            throw new GatewayStartupException(InUse(dataDirectory, server));
        }
        var pidPath = PidPath(dataDirectory, server);
        File.WriteAllText(pidPath, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n");
        return new DataDirectoryLock(held, pidPath);
    }

    /// <summary>The one-line refusal when another process holds the directory, else null; creates nothing.</summary>
    public static string? HeldElsewhere(string dataDirectory, DataDirectoryServer? server = null)
    {
        server ??= Gateway;
        var path = LockPath(dataDirectory, server);
        if (!File.Exists(path)) return null; // a holder creates the file before it holds it
        try
        {
            using var probe = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            return null;
        }
        catch (IOException)
        {
            return InUse(dataDirectory, server);
        }
        catch (UnauthorizedAccessException)
        {
            return $"The data directory {dataDirectory} belongs to another user ({path} cannot be opened): run as that user, or give another --data-dir.";
        }
    }

    public void Dispose()
    {
        // The pid goes first: once the lock is released a new holder may already be writing its own.
        try { File.Delete(_pidPath); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        _held.Dispose();
    }

    private static string LockPath(string dataDirectory, DataDirectoryServer server) => Path.Combine(dataDirectory, server.FileStem + ".lock");

    private static string PidPath(string dataDirectory, DataDirectoryServer server) => Path.Combine(dataDirectory, server.FileStem + ".pid");

    private static string InUse(string dataDirectory, DataDirectoryServer server)
    {
        string pid;
        try
        {
            pid = File.ReadAllText(PidPath(dataDirectory, server)).Trim() is { Length: > 0 } text ? "pid " + text : "pid unknown";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            pid = "pid unknown";
        }
        return $"The data directory {dataDirectory} is in use by another {server.Name} ({pid}): one {server.Name} per data directory; stop that one, or give this one another --data-dir.";
    }
}

/// <summary>A kind of server that holds a data directory: its lock and pid files are named after <see cref="FileStem"/>.</summary>
internal sealed record DataDirectoryServer(string FileStem, string Name);
