using DsnGateway.Fhir.Serialization;
using DsnGateway.RecordStore.Storage;
using DsnGateway.Sqlite.Migrations;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Task = System.Threading.Tasks.Task;

namespace DsnGateway.RecordStore.Tests.Storage.Migrations;

/// <summary>
/// records.db's schema versions, from the file the store made before it had any: <c>records-22faf50.db</c> was
/// written by the gateway of main 22faf50 (a Patient created over FHIR, one from an HL7 v2 A01, its Provenance).
/// </summary>
public sealed class RecordsSchemaTests : IAsyncLifetime
{
    private static readonly string Fixture = Path.Combine(AppContext.BaseDirectory, "Storage", "Migrations", "records-22faf50.db");

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "dsn-records-schema", Guid.NewGuid().ToString("N"));

    private string DatabasePath => Path.Combine(_directory, "records.db");

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        File.Copy(Fixture, DatabasePath);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_records_db_made_before_schema_versions_is_adopted_as_version_1_and_its_resources_are_served()
    {
        (await UserVersionAsync(DatabasePath)).Should().Be(0, "the fixture is as 22faf50 left it");

        await using var app = RecordStoreServer.Build(new RecordStoreOptions { DatabasePath = DatabasePath }, "http://127.0.0.1:0");
        await app.InitializeAsync();
        await app.StartAsync();
        using var client = new HttpClient { BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/') + "/") };

        (await UserVersionAsync(DatabasePath)).Should().Be(SqliteResourceRepository.Schema.LatestVersion);
        var fromHl7 = await SearchAsync(client, "Patient?identifier=urn:dsn:mrn:nim|NIM555001");
        fromHl7.Entry.Should().ContainSingle().Which.Resource.Should().BeOfType<Patient>().Which.Name[0].Family.Should().Be("Lavoie");
        var created = await SearchAsync(client, "Patient?name=belanger");
        created.Entry.Should().ContainSingle().Which.Resource.Should().BeOfType<Patient>().Which.Name[0].Given.Should().Equal("Éloïse");
        var history = await SearchAsync(client, $"Patient/{created.Entry[0].Resource!.Id}/_history");
        history.Entry.Should().NotBeEmpty();
        using var write = await client.PostAsync("Patient", RecordStoreFixture.Json(new Patient { Name = [new HumanName { Family = "Nouveau" }] }));
        ((int)write.StatusCode).Should().Be(201, "the adopted file takes writes");
        (await SearchAsync(client, "Patient?name=nouveau")).Entry.Should().ContainSingle();
        await app.StopAsync();
    }

    [Fact]
    public async Task The_first_script_is_the_layout_the_store_made_before_schema_versions()
    {
        var fresh = Path.Combine(_directory, "fresh.db");
        await new SqliteResourceRepository(fresh).InitializeAsync(CancellationToken.None);

        (await LayoutAsync(fresh)).Should().Equal(await LayoutAsync(DatabasePath));
    }

    [Fact]
    public async Task A_records_db_newer_than_the_build_is_refused_with_one_line_naming_it()
    {
        var newer = SqliteResourceRepository.Schema.LatestVersion + 1;
        await using (var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = $"PRAGMA user_version = {newer}";
            await command.ExecuteNonQueryAsync();
        }
        var repository = new SqliteResourceRepository(DatabasePath);

        var opening = async () => await repository.InitializeAsync(CancellationToken.None);

        (await opening.Should().ThrowAsync<SchemaVersionException>()).Which.Message.Should().Be(
            $"{Path.GetFullPath(DatabasePath)} has records schema version {newer}, newer than this build knows (up to {SqliteResourceRepository.Schema.LatestVersion}): run the build that wrote it, or a newer one.");
        (await UserVersionAsync(DatabasePath)).Should().Be(newer);
    }

    private static async Task<Bundle> SearchAsync(HttpClient client, string url)
    {
        using var response = await client.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.Should().BeTrue(body);
        return FhirJson.Parse<Bundle>(body);
    }

    private static async Task<long> UserVersionAsync(string path)
    {
        await using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA user_version";
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Every table and index with the statement SQLite keeps for it.</summary>
    private static async Task<List<string>> LayoutAsync(string path)
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
