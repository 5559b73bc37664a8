using DsnGateway.Sqlite.Migrations;
using Microsoft.Data.Sqlite;

namespace DsnGateway.Sqlite.Tests.Migrations;

/// <summary>
/// The migration runner on real SQLite files, with a schema of the test's own: script 1 is a layout written
/// <c>IF NOT EXISTS</c> (as every database's first script is), script 2 fails if it is ever applied twice.
/// </summary>
public sealed class DatabaseSchemaTests : IDisposable
{
    private static readonly SchemaScript Initial = new(1, "initial", """
        CREATE TABLE IF NOT EXISTS note (id INTEGER PRIMARY KEY, text TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS applied (version INTEGER NOT NULL);
        """);

    // No IF NOT EXISTS: a second application would fail ("table tag already exists") and count twice.
    private static readonly SchemaScript AddTag = new(2, "tag", """
        SELECT pause();
        CREATE TABLE tag (note_id INTEGER NOT NULL, tag TEXT NOT NULL);
        INSERT INTO applied (version) VALUES (2);
        """);

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "dsn-schema-tests", Guid.NewGuid().ToString("N"));

    public DatabaseSchemaTests() => Directory.CreateDirectory(_directory);

    public void Dispose()
    {
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }

    private string DatabasePath => Path.Combine(_directory, "notes.db");

    /// <summary>A small pause inside script 2, so that racing openers really overlap while one holds the lock.</summary>
    private static DatabaseSchema Notes(params SchemaScript[] scripts) =>
        new("notes", scripts, connection => connection.CreateFunction("pause", () =>
        {
            Thread.Sleep(50);
            return 0;
        }));

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabasePath, Pooling = false, DefaultTimeout = 30 }.ToString());
        connection.Open();
        return connection;
    }

    private async Task<SchemaUpgrade> MigrateAsync(DatabaseSchema schema)
    {
        await using var connection = Open();
        return await schema.MigrateAsync(connection, CancellationToken.None);
    }

    private async Task<long> ScalarAsync(string sql)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task A_new_file_gets_every_script_in_order_and_the_newest_version()
    {
        var upgrade = await MigrateAsync(Notes(Initial, AddTag));

        upgrade.Should().Be(new SchemaUpgrade(DatabasePath, 0, 2));
        (await ScalarAsync("PRAGMA user_version")).Should().Be(2);
        (await ScalarAsync("SELECT count(*) FROM applied")).Should().Be(1);
        (await ScalarAsync("SELECT count(*) FROM tag")).Should().Be(0);
        (await ScalarAsync("SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = 'wal'")).Should().Be(1, "the gateway's files are WAL");
    }

    [Fact]
    public async Task An_up_to_date_file_is_left_as_it_is()
    {
        await MigrateAsync(Notes(Initial, AddTag));

        var again = await MigrateAsync(Notes(Initial, AddTag));

        again.Should().Be(new SchemaUpgrade(DatabasePath, 2, 2));
        again.Migrated.Should().BeFalse();
        (await ScalarAsync("SELECT count(*) FROM applied")).Should().Be(1);
    }

    [Fact]
    public async Task An_older_file_gets_only_the_missing_scripts_and_keeps_its_rows()
    {
        await MigrateAsync(Notes(Initial));
        await ExecuteAsync("INSERT INTO note (text) VALUES ('kept')");

        var upgrade = await MigrateAsync(Notes(Initial, AddTag));

        upgrade.Should().Be(new SchemaUpgrade(DatabasePath, 1, 2));
        (await ScalarAsync("SELECT count(*) FROM note WHERE text = 'kept'")).Should().Be(1);
        (await ScalarAsync("SELECT count(*) FROM applied")).Should().Be(1);
    }

    [Fact]
    public async Task A_file_newer_than_the_build_is_refused_with_one_line_naming_it_and_both_versions()
    {
        await MigrateAsync(Notes(Initial, AddTag));
        var older = Notes(Initial);

        var opening = async () => await MigrateAsync(older);
        var reading = async () =>
        {
            await using var connection = Open();
            return await older.ReadKnownVersionAsync(connection, CancellationToken.None);
        };

        var expected = $"{DatabasePath} has notes schema version 2, newer than this build knows (up to 1): run the build that wrote it, or a newer one.";
        (await opening.Should().ThrowAsync<SchemaVersionException>()).Which.Message.Should().Be(expected);
        (await reading.Should().ThrowAsync<SchemaVersionException>()).Which.Message.Should().Be(expected);
        (await ScalarAsync("PRAGMA user_version")).Should().Be(2, "a refused file is not touched");
    }

    [Fact]
    public async Task Openers_racing_on_an_old_file_apply_each_script_once()
    {
        await MigrateAsync(Notes(Initial));
        var schema = Notes(Initial, AddTag);
        var connections = Enumerable.Range(0, 6).Select(_ => Open()).ToList();
        SchemaUpgrade[] upgrades;
        try
        {
            upgrades = await Task.WhenAll(connections.Select(c => Task.Run(() => schema.MigrateAsync(c, CancellationToken.None))));
        }
        finally
        {
            foreach (var connection in connections) await connection.DisposeAsync();
        }

        upgrades.Should().AllSatisfy(u => u.After.Should().Be(2));
        upgrades.Count(u => u.Migrated).Should().Be(1, "one opener applied script 2; the others found it applied once they had the lock");
        (await ScalarAsync("SELECT count(*) FROM applied")).Should().Be(1);
        (await ScalarAsync("PRAGMA user_version")).Should().Be(2);
    }

    [Fact]
    public async Task A_failing_script_leaves_the_file_at_the_version_before_it()
    {
        await MigrateAsync(Notes(Initial));
        var broken = new SchemaScript(2, "broken", "CREATE TABLE tag (note_id INTEGER NOT NULL, tag TEXT NOT NULL); SELECT no_such_function();");

        var opening = async () => await MigrateAsync(Notes(Initial, broken));

        await opening.Should().ThrowAsync<SqliteException>();
        (await ScalarAsync("PRAGMA user_version")).Should().Be(1);
        (await ScalarAsync("SELECT count(*) FROM sqlite_master WHERE name = 'tag'")).Should().Be(0, "the script's transaction was rolled back whole");
        (await MigrateAsync(Notes(Initial, AddTag))).Should().Be(new SchemaUpgrade(DatabasePath, 1, 2), "the fixed script applies");
    }

    [Fact]
    public async Task A_file_made_before_versions_is_completed_by_script_1_and_adopted()
    {
        // As an older build left it: no version, the table it knew (not yet the later one), a row.
        await ExecuteAsync("CREATE TABLE note (id INTEGER PRIMARY KEY, text TEXT NOT NULL); INSERT INTO note (text) VALUES ('old');");

        var upgrade = await MigrateAsync(Notes(Initial, AddTag));

        upgrade.Should().Be(new SchemaUpgrade(DatabasePath, 0, 2));
        (await ScalarAsync("SELECT count(*) FROM note WHERE text = 'old'")).Should().Be(1);
        (await ScalarAsync("SELECT count(*) FROM applied")).Should().Be(1);
    }

    [Fact]
    public async Task A_file_without_version_whose_table_is_not_the_layouts_is_refused_and_left_as_it_is()
    {
        await ExecuteAsync("CREATE TABLE note (id INTEGER PRIMARY KEY, body BLOB);");

        var opening = async () => await MigrateAsync(Notes(Initial, AddTag));

        (await opening.Should().ThrowAsync<SchemaVersionException>()).Which.Message.Should()
            .Be($"{DatabasePath} has no notes schema version and its table note is not the one of notes schema version 1 (columns id INTEGER, body BLOB; expected id INTEGER, text TEXT): this build cannot adopt it.");
        (await ScalarAsync("PRAGMA user_version")).Should().Be(0);
        (await ScalarAsync("SELECT count(*) FROM sqlite_master WHERE name = 'applied'")).Should().Be(0, "nothing of the refused adoption stays");
    }

    [Fact]
    public async Task A_file_holding_none_of_the_layouts_tables_is_refused()
    {
        await ExecuteAsync("CREATE TABLE something_else (x INTEGER);");

        var opening = async () => await MigrateAsync(Notes(Initial, AddTag));

        (await opening.Should().ThrowAsync<SchemaVersionException>()).Which.Message.Should()
            .Be($"{DatabasePath} has no notes schema version and none of the tables of a notes database: it is not one; give the right file or data directory.");
    }

    [Fact]
    public void Scripts_are_numbered_1_2_3_without_gaps()
    {
        var gap = () => new DatabaseSchema("notes", [Initial, new SchemaScript(3, "later", "SELECT 1;")]);
        var none = () => new DatabaseSchema("notes", []);

        gap.Should().Throw<ArgumentException>().WithMessage("*numbered 1, 2, 3*script 2 is numbered 3 (later)*");
        none.Should().Throw<ArgumentException>().WithMessage("*no migration script*");
    }
}
