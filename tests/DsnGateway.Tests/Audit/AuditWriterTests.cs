using DsnGateway.Audit;
using Microsoft.Data.Sqlite;

namespace DsnGateway.Tests.Audit;

/// <summary>Group commit and failing closed, on a real audit.db.</summary>
public class AuditWriterTests
{
    [Fact]
    public async Task Two_hundred_concurrent_records_all_complete_and_are_all_stored_in_an_intact_chain()
    {
        await using var audit = await AuditStoreFixture.StartAsync();

        var writes = Enumerable.Range(0, 200)
            .Select(i => Task.Run(() => audit.Writer.RecordAsync(AuditTestData.Read($"p{i}"), CancellationToken.None)))
            .ToList();
        await Task.WhenAll(writes);

        var verification = await AuditChain.VerifyAsync(audit.Store, CancellationToken.None);
        verification.IsIntact.Should().BeTrue();
        verification.IntactRecords.Should().Be(200);
        var patients = new List<string>();
        await foreach (var stored in audit.Store.ReadChainAsync(CancellationToken.None)) patients.Add(stored.Json);
        patients.Should().HaveCount(200);
        for (var i = 0; i < 200; i++) patients.Should().ContainSingle(json => json.Contains($"\"Patient/p{i}\""));
    }

    [Fact]
    public async Task Records_waiting_together_are_committed_in_one_transaction()
    {
        var directory = AuditTestData.NewDataDirectory();
        var store = new AuditStore(Path.Combine(directory, AuditStore.FileName));
        var writer = new AuditWriter(store, new AuditEventFactory());
        try
        {
            // Queued before the loop runs, so all 200 are pending when it takes its first batch.
            var writes = Enumerable.Range(0, 200).Select(i => writer.RecordAsync(AuditTestData.Read($"p{i}"), CancellationToken.None)).ToList();
            await writer.StartAsync(CancellationToken.None);
            await Task.WhenAll(writes);

            writer.Commits.Should().Be(1);
            (await AuditChain.VerifyAsync(store, CancellationToken.None)).IntactRecords.Should().Be(200);
        }
        finally
        {
            await writer.DisposeAsync();
            AuditTestData.Delete(directory, store);
        }
    }

    [Fact]
    public async Task When_the_database_cannot_be_written_the_caller_gets_AuditUnavailable_and_writing_recovers_afterwards()
    {
        await using var audit = await AuditStoreFixture.StartAsync(busyTimeout: TimeSpan.FromMilliseconds(200));
        await audit.Writer.RecordAsync(AuditTestData.Read("before"), CancellationToken.None);

        // Another connection holds the write lock: the audit cannot be made durable.
        await using (var locker = new SqliteConnection($"Data Source={audit.DatabasePath};Pooling=False"))
        {
            await locker.OpenAsync();
            await using (var begin = locker.CreateCommand())
            {
                begin.CommandText = "BEGIN EXCLUSIVE";
                await begin.ExecuteNonQueryAsync();
            }

            var refused = () => audit.Writer.RecordAsync(AuditTestData.Read("during"), CancellationToken.None);
            (await refused.Should().ThrowAsync<AuditUnavailableException>()).Which.InnerException.Should().BeOfType<SqliteException>();

            await using var commit = locker.CreateCommand();
            commit.CommandText = "COMMIT";
            await commit.ExecuteNonQueryAsync();
        }

        await audit.Writer.RecordAsync(AuditTestData.Read("after"), CancellationToken.None);

        var verification = await AuditChain.VerifyAsync(audit.Store, CancellationToken.None);
        verification.IsIntact.Should().BeTrue();
        verification.IntactRecords.Should().Be(2, "the refused record was not kept, and the chain continues from what was committed");
        var stored = await audit.Store.ReadAsync(2, CancellationToken.None);
        stored!.Json.Should().Contain("Patient/after");
    }

    [Fact]
    public async Task When_the_audit_directory_is_gone_the_caller_gets_AuditUnavailable()
    {
        await using var audit = await AuditStoreFixture.StartAsync();
        await audit.Writer.RecordAsync(AuditTestData.Read("before"), CancellationToken.None);
        audit.Store.ReleaseConnections();
        Directory.Delete(audit.Directory, recursive: true);

        var refused = () => audit.Writer.RecordAsync(AuditTestData.Read("lost"), CancellationToken.None);
        await refused.Should().ThrowAsync<AuditUnavailableException>();
    }

    [Fact]
    public async Task A_stopped_writer_refuses_new_records()
    {
        await using var audit = await AuditStoreFixture.StartAsync();
        await audit.Writer.StopAsync(CancellationToken.None);

        var refused = () => audit.Writer.RecordAsync(AuditTestData.Read(), CancellationToken.None);
        await refused.Should().ThrowAsync<AuditUnavailableException>();
    }
}
