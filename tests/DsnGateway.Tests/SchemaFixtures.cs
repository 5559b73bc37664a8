using Microsoft.Data.Sqlite;

namespace DsnGateway.Tests;

/// <summary>
/// The gateway's databases as the gateway of main 22faf50 made them, before schema versions (ADR 0013): a Patient
/// created over FHIR, an HL7 v2 A01 accepted and delivered, a message from an unknown sender kept as a dead letter,
/// and the audit of those requests.
/// </summary>
internal static class SchemaFixtures
{
    public static string Records => Path.Combine(AppContext.BaseDirectory, "Cli", "records-22faf50.db");

    public static string Inbox => Path.Combine(AppContext.BaseDirectory, "Ingestion", "Migrations", "inbox-22faf50.db");

    public static string Audit => Path.Combine(AppContext.BaseDirectory, "Audit", "Migrations", "audit-22faf50.db");

    /// <summary>A copy of <paramref name="fixture"/> at <paramref name="path"/> (the fixture itself is never opened).</summary>
    public static string CopyTo(string fixture, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.Copy(fixture, path);
        return path;
    }

    public static async Task<long> UserVersionAsync(string path)
    {
        await using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA user_version";
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public static async Task SetUserVersionAsync(string path, int version)
    {
        await using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA user_version = {version}";
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Every table and index with the statement SQLite keeps for it: what a layout is.</summary>
    public static async Task<List<string>> LayoutAsync(string path)
    {
        await using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT type || ' ' || name || ': ' || coalesce(sql, '') FROM sqlite_master ORDER BY type, name";
        var layout = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) layout.Add(reader.GetString(0));
        return layout;
    }
}
