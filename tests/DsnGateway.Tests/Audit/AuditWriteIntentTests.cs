using DsnGateway.Audit;
using Microsoft.Data.Sqlite;

namespace DsnGateway.Tests.Audit;

/// <summary>
/// A write leaves a durable trace before it reaches the store, so a failing audit store or a stopped gateway cannot
/// make a committed write vanish from the trail. On a real audit.db.
/// </summary>
public class AuditWriteIntentTests
{
    private static AuditRecord Create(string intentId, int status = 201) => AuditTestData.Read("written") with
    {
        Interaction = "create", HttpMethod = "POST", Path = "/fhir/Patient", ResourceType = "Patient", HttpStatus = status, IntentId = intentId,
    };

    [Fact]
    public async Task The_writes_record_replaces_its_intent()
    {
        await using var audit = await AuditStoreFixture.StartAsync();

        await audit.Writer.RecordIntentAsync(Create("intent-1", status: 0), CancellationToken.None);
        (await audit.Store.ReadIntentsAsync(CancellationToken.None)).Should().ContainSingle().Which.Id.Should().Be("intent-1");
        await audit.Writer.RecordAsync(Create("intent-1"), CancellationToken.None);

        (await audit.Store.ReadIntentsAsync(CancellationToken.None)).Should().BeEmpty();
        var verification = await AuditChain.VerifyAsync(audit.Store, CancellationToken.None);
        verification.IntactRecords.Should().Be(1, "an intent is not an AuditEvent: one record per request");
    }

    [Fact]
    public async Task A_writes_record_that_fails_after_the_store_committed_is_written_with_a_later_batch()
    {
        await using var audit = await AuditStoreFixture.StartAsync(busyTimeout: TimeSpan.FromMilliseconds(200));
        await audit.Writer.RecordIntentAsync(Create("intent-2", status: 0), CancellationToken.None);

        // The store has committed the write; now the audit store cannot be written.
        await using (var locker = new SqliteConnection($"Data Source={audit.DatabasePath};Pooling=False"))
        {
            await locker.OpenAsync();
            await using (var begin = locker.CreateCommand())
            {
                begin.CommandText = "BEGIN EXCLUSIVE";
                await begin.ExecuteNonQueryAsync();
            }
            var refused = () => audit.Writer.RecordAsync(Create("intent-2"), CancellationToken.None);
            await refused.Should().ThrowAsync<AuditUnavailableException>("the caller is answered 503");
            await using var commit = locker.CreateCommand();
            commit.CommandText = "COMMIT";
            await commit.ExecuteNonQueryAsync();
        }
        (await audit.Store.ReadIntentsAsync(CancellationToken.None)).Should().ContainSingle("the intent stays until its record is written");

        await audit.Writer.RecordAsync(AuditTestData.Read("next"), CancellationToken.None);

        (await audit.Store.ReadIntentsAsync(CancellationToken.None)).Should().BeEmpty();
        var stored = new List<StoredAuditEvent>();
        await foreach (var record in audit.Store.ReadChainAsync(CancellationToken.None)) stored.Add(record);
        stored.Should().HaveCount(2);
        stored[0].Json.Should().Contain("Patient/written").And.Contain("answered 503");
        stored[1].Json.Should().Contain("Patient/next");
        (await AuditChain.VerifyAsync(audit.Store, CancellationToken.None)).IsIntact.Should().BeTrue();
    }

    [Fact]
    public async Task An_intent_left_by_a_stopped_gateway_becomes_an_AuditEvent_of_unknown_outcome_at_the_next_start()
    {
        var directory = AuditTestData.NewDataDirectory();
        var store = new AuditStore(Path.Combine(directory, AuditStore.FileName));
        try
        {
            await using (var before = new AuditWriter(store, new AuditEventFactory()))
            {
                await before.StartAsync(CancellationToken.None);
                await before.RecordIntentAsync(Create("intent-3", status: 0), CancellationToken.None);
            }

            await using (var after = new AuditWriter(store, new AuditEventFactory()))
            {
                await after.StartAsync(CancellationToken.None);
            }

            (await store.ReadIntentsAsync(CancellationToken.None)).Should().BeEmpty();
            var recorded = await store.ReadAsync(1, CancellationToken.None);
            recorded!.Outcome.Should().Be("8");
            recorded.Json.Should().Contain("Outcome unknown").And.Contain("Patient/written");
            (await AuditChain.VerifyAsync(store, CancellationToken.None)).IntactRecords.Should().Be(1);
        }
        finally
        {
            AuditTestData.Delete(directory, store);
        }
    }
}
