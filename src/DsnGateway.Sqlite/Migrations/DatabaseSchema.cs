using System.Globalization;
using System.Reflection;
using Microsoft.Data.Sqlite;

namespace DsnGateway.Sqlite.Migrations;

/// <summary>
/// The versioned layout of one SQLite database (ADR 0013): its migration scripts in order, script N bringing a file
/// from version N-1 to N, and the file's version kept in the file itself (<c>PRAGMA user_version</c>; 0 in a file no
/// script has touched). <see cref="MigrateAsync"/> is how every opener of the file starts: each missing script runs in
/// its own <c>BEGIN IMMEDIATE</c> transaction together with its version stamp, the version read again under that lock,
/// so two processes opening an old file together apply each script once, and a script that fails leaves the file at
/// the version before it. A file newer than the last script is refused (<see cref="SchemaVersionException"/>).
/// </summary>
public sealed class DatabaseSchema
{
    /// <summary>
    /// How long an opener waits for the write lock while the file needs migrating: another process may be running a
    /// long migration (the inbox's first one rehashes every message). Not spent when the file is up to date.
    /// </summary>
    public static readonly TimeSpan LockWait = TimeSpan.FromMinutes(10);

    private readonly IReadOnlyList<SchemaScript> _scripts;
    private readonly Action<SqliteConnection>? _functions;
    private readonly Lazy<IReadOnlyDictionary<string, string>> _firstLayout;

    /// <param name="name">What the database is (records, inbox, audit), for messages.</param>
    /// <param name="scripts">Numbered 1, 2, 3… in order.</param>
    /// <param name="functions">Registers the SQL functions the scripts call (a data migration written in C#) on the
    /// migrating connection.</param>
    public DatabaseSchema(string name, IReadOnlyList<SchemaScript> scripts, Action<SqliteConnection>? functions = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(scripts);
        if (scripts.Count == 0) throw new ArgumentException($"The {name} schema has no migration script.", nameof(scripts));
        for (var i = 0; i < scripts.Count; i++)
        {
            if (scripts[i].Version != i + 1)
                throw new ArgumentException($"The {name} schema's scripts must be numbered 1, 2, 3… without gaps; script {i + 1} is numbered {scripts[i].Version} ({scripts[i].Title}).", nameof(scripts));
        }
        Name = name;
        _scripts = scripts;
        _functions = functions;
        _firstLayout = new Lazy<IReadOnlyDictionary<string, string>>(FirstLayout);
    }

    /// <summary>
    /// The scripts <paramref name="assembly"/> embeds as <c>migrations/{name}/NNNN-title.sql</c> (the project file
    /// gives them that logical name), in the order of their numbers.
    /// </summary>
    public static DatabaseSchema FromResources(string name, Assembly assembly, Action<SqliteConnection>? functions = null)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        var prefix = $"migrations/{name}/";
        var scripts = new List<SchemaScript>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(r => r.StartsWith(prefix, StringComparison.Ordinal)))
        {
            var file = resource[prefix.Length..];
            var dash = file.IndexOf('-', StringComparison.Ordinal);
            if (!file.EndsWith(".sql", StringComparison.Ordinal) || dash <= 0
                || !int.TryParse(file[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var version))
                throw new ArgumentException($"The migration script {resource} is not named NNNN-title.sql.", nameof(assembly));
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            scripts.Add(new SchemaScript(version, file[(dash + 1)..^".sql".Length], reader.ReadToEnd()));
        }
        return new DatabaseSchema(name, scripts.OrderBy(s => s.Version).ToList(), functions);
    }

    public string Name { get; }

    /// <summary>The version the last script brings a file to: the newest this build knows.</summary>
    public int LatestVersion => _scripts.Count;

    /// <summary>The scripts in order (script n brings a file to version n).</summary>
    public IReadOnlyList<SchemaScript> Scripts => _scripts;

    /// <summary>
    /// Brings the file of <paramref name="connection"/> (open, in no transaction) to <see cref="LatestVersion"/>. A
    /// file at version 0 that already has tables was made before schemas had versions: script 1 (today's layout, its
    /// statements <c>IF NOT EXISTS</c>) completes it the way the code of that time did, and then every table of the
    /// layout must have the layout's columns, or the file is refused as not one this build can adopt.
    /// </summary>
    /// <returns>The version the file had when this opener took the lock (the same as After when another process
    /// had migrated it meanwhile), and the version it has now.</returns>
    /// <exception cref="SchemaVersionException">the file is newer than this build, or not a database of this schema.</exception>
    public async Task<SchemaUpgrade> MigrateAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var file = connection.DataSource;
        var seen = await ReadVersionAsync(connection, null, cancellationToken);
        RefuseNewer(file, seen);
        // Outside any transaction (SQLite cannot change it inside one); the file keeps it, so this is a no-op after
        // the first time.
        await ExecuteAsync(connection, null, "PRAGMA journal_mode = WAL", cancellationToken);
        if (seen == LatestVersion) return new SchemaUpgrade(file, seen, seen);

        _functions?.Invoke(connection);
        var defaultTimeout = connection.DefaultTimeout;
        connection.DefaultTimeout = Math.Max(defaultTimeout, (int)LockWait.TotalSeconds);
        int? before = null;
        try
        {
            while (true)
            {
                // BEGIN IMMEDIATE: one migrating process at a time, across processes; the version is read again under
                // the lock, because another process may have applied the script while this one waited for it.
                await using var transaction = connection.BeginTransaction(deferred: false);
                var version = await ReadVersionAsync(connection, transaction, cancellationToken);
                before ??= version;
                RefuseNewer(file, version);
                if (version >= LatestVersion) break;
                var adopted = version == 0 ? await TablesAsync(connection, transaction, cancellationToken) : [];
                if (adopted.Count > 0 && !adopted.Overlaps(_firstLayout.Value.Keys))
                    throw new SchemaVersionException($"{file} has no {Name} schema version and none of the tables of a {Name} database: it is not one; give the right file or data directory.");
                var script = _scripts[version];
                await ExecuteAsync(connection, transaction, script.Sql, cancellationToken);
                if (adopted.Count > 0) await CheckFirstLayoutAsync(connection, transaction, file, cancellationToken);
                await ExecuteAsync(connection, transaction, $"PRAGMA user_version = {script.Version.ToString(CultureInfo.InvariantCulture)}", cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }
        }
        finally
        {
            connection.DefaultTimeout = defaultTimeout;
        }
        return new SchemaUpgrade(file, before ?? LatestVersion, LatestVersion);
    }

    /// <summary>
    /// The file's version, refused when it is newer than this build; changes nothing (for a reader that must not
    /// migrate, such as <c>audit verify</c>).
    /// </summary>
    /// <exception cref="SchemaVersionException">the file is newer than this build knows.</exception>
    public async Task<int> ReadKnownVersionAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var version = await ReadVersionAsync(connection, null, cancellationToken);
        RefuseNewer(connection.DataSource, version);
        return version;
    }

    private void RefuseNewer(string file, int version)
    {
        if (version > LatestVersion)
            throw new SchemaVersionException($"{file} has {Name} schema version {version}, newer than this build knows (up to {LatestVersion}): run the build that wrote it, or a newer one.");
    }

    private static async Task<int> ReadVersionAsync(SqliteConnection connection, SqliteTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "PRAGMA user_version";
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    private static async Task ExecuteAsync(SqliteConnection connection, SqliteTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<HashSet<string>> TablesAsync(SqliteConnection connection, SqliteTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'";
        var tables = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) tables.Add(reader.GetString(0));
        return tables;
    }

    /// <summary>Each table's columns as "name TYPE, …" in their order.</summary>
    private static async Task<string> ColumnsAsync(SqliteConnection connection, SqliteTransaction? transaction, string table, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT name, type FROM pragma_table_info($table) ORDER BY cid";
        command.Parameters.AddWithValue("$table", table);
        var columns = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) columns.Add($"{reader.GetString(0)} {reader.GetString(1)}".TrimEnd());
        return string.Join(", ", columns);
    }

    private async Task CheckFirstLayoutAsync(SqliteConnection connection, SqliteTransaction transaction, string file, CancellationToken cancellationToken)
    {
        foreach (var (table, expected) in _firstLayout.Value)
        {
            var actual = await ColumnsAsync(connection, transaction, table, cancellationToken);
            if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
                throw new SchemaVersionException($"{file} has no {Name} schema version and its table {table} is not the one of {Name} schema version 1 (columns {actual}; expected {expected}): this build cannot adopt it.");
        }
    }

    /// <summary>The tables script 1 makes and their columns, as SQLite itself reads the script (in memory).</summary>
    private IReadOnlyDictionary<string, string> FirstLayout()
    {
        using var memory = new SqliteConnection("Data Source=:memory:");
        memory.Open();
        _functions?.Invoke(memory);
        ExecuteAsync(memory, null, _scripts[0].Sql, CancellationToken.None).GetAwaiter().GetResult();
        var layout = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var table in TablesAsync(memory, null, CancellationToken.None).GetAwaiter().GetResult())
        {
            layout[table] = ColumnsAsync(memory, null, table, CancellationToken.None).GetAwaiter().GetResult();
        }
        return layout;
    }
}

/// <summary>One migration script: <c>NNNN-title.sql</c>, bringing a file to version <see cref="Version"/>.</summary>
public sealed record SchemaScript(int Version, string Title, string Sql);

/// <summary>What opening a file did to its schema version.</summary>
public sealed record SchemaUpgrade(string File, int Before, int After)
{
    public bool Migrated => After != Before;
}

/// <summary>A database file this build will not use as it is; the message is one line naming the file.</summary>
public sealed class SchemaVersionException(string message) : Exception(message);
