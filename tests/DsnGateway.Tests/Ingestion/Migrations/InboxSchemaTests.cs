using DsnGateway.Ingestion;
using DsnGateway.Sqlite.Migrations;

namespace DsnGateway.Tests.Ingestion.Migrations;

/// <summary>
/// inbox.db's schema versions, from the file the gateway made before it had any (<see cref="SchemaFixtures.Inbox"/>).
/// That code already stamped <c>user_version</c> 1 once it had rehashed the resend fingerprints, which is what script 1
/// does now: the file is at version 1. A file from before the rehash is adopted by script 1, rehash included
/// (<see cref="InboxFingerprintUpgradeTests"/>).
/// </summary>
public sealed class InboxSchemaTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "dsn-inbox-schema", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task An_inbox_of_the_build_before_schema_versions_is_version_1_and_its_messages_dead_letters_and_resends_are_as_they_were()
    {
        var path = SchemaFixtures.CopyTo(SchemaFixtures.Inbox, Path.Combine(_directory, InboxStore.FileName));
        var store = new InboxStore(path);

        var upgrade = await store.MigrateAsync(CancellationToken.None);

        upgrade.Should().Be(new SchemaUpgrade(path, 1, 1));
        var message = (await store.ListMessagesAsync(CancellationToken.None)).Should().ContainSingle().Subject;
        message.ControlId.Should().Be("FIX0001");
        message.State.Should().Be(InboxMessageState.Delivered);
        message.BundleJson.Should().Contain("\"resourceType\":\"Bundle\"");
        (await store.ListDeadLettersAsync()).Should().ContainSingle().Which.SenderApplication.Should().Be("ADT_XYZ");
        var resend = await store.FindAnsweredAsync(message.SenderApplication, message.SenderFacility, message.ControlId, InboxHash.Sha256(message.Raw), CancellationToken.None);
        resend.Should().BeOfType<Admission.Duplicate>("a resend of a message kept before the upgrade gets its stored ACK");
        store.ReleaseConnections();
    }

    [Fact]
    public async Task The_first_script_is_the_layout_the_gateway_made_before_schema_versions()
    {
        var fresh = new InboxStore(Path.Combine(_directory, "fresh.db"));
        await fresh.InitializeAsync(CancellationToken.None);
        fresh.ReleaseConnections();

        (await SchemaFixtures.LayoutAsync(fresh.DatabasePath)).Should().Equal(await SchemaFixtures.LayoutAsync(SchemaFixtures.Inbox));
    }

    [Fact]
    public async Task An_inbox_newer_than_the_build_is_refused_with_one_line_naming_it()
    {
        var path = SchemaFixtures.CopyTo(SchemaFixtures.Inbox, Path.Combine(_directory, InboxStore.FileName));
        var newer = InboxStore.Schema.LatestVersion + 1;
        await SchemaFixtures.SetUserVersionAsync(path, newer);
        var store = new InboxStore(path);

        var opening = async () => await store.InitializeAsync(CancellationToken.None);

        (await opening.Should().ThrowAsync<SchemaVersionException>()).Which.Message.Should().Be(
            $"{path} has inbox schema version {newer}, newer than this build knows (up to {InboxStore.Schema.LatestVersion}): run the build that wrote it, or a newer one.");
        store.ReleaseConnections();
    }
}
