using DsnGateway.Ingestion;
using Microsoft.Data.Sqlite;

namespace DsnGateway.Tests.Ingestion;

/// <summary>Group commit, idempotent resends and failing closed, on a real inbox.db.</summary>
public class InboxWriterTests
{
    [Fact]
    public async Task Two_hundred_concurrent_admissions_are_all_committed_in_fewer_transactions_with_ids_in_a_total_order()
    {
        await using var kit = await InboxTestKit.CreateAsync();
        var writer = kit.NewWriter();

        // 200 concurrent callers queue before the loop runs, so the first batch finds them all waiting.
        var admissions = new Task<Admission>[200];
        Parallel.For(0, 200, i => admissions[i] = writer.AdmitAsync(InboxTestKit.Message($"MSG{i:D4}", $"patient-{i % 7}"), CancellationToken.None));
        await writer.StartAsync(CancellationToken.None);
        var results = await Task.WhenAll(admissions);

        var ids = results.Select(r => r.Should().BeOfType<Admission.Committed>().Subject.Id).ToList();
        ids.Should().OnlyHaveUniqueItems();
        writer.Commits.Should().BeLessThan(200).And.BeGreaterThan(0);

        var stored = await kit.MessagesAsync();
        stored.Select(m => m.Id).Should().BeEquivalentTo(ids).And.BeInAscendingOrder();
        stored.Should().OnlyContain(m => m.State == InboxMessageState.Pending && m.Attempts == 0);
        for (var i = 0; i < 200; i++)
        {
            var message = stored.Single(m => m.Id == ids[i]);
            message.ControlId.Should().Be($"MSG{i:D4}");
            message.Raw.Should().Equal(InboxTestKit.Raw($"MSG{i:D4}"));
            message.Ack.Should().Equal(InboxTestKit.Ack($"MSG{i:D4}"));
            message.RawSha256.Should().Be(InboxHash.Sha256(message.Raw));
            message.PatientKey.Should().Be($"patient-{i % 7}");
            message.Received.Should().Be(InboxTestKit.Noon);
        }
    }

    [Fact]
    public async Task Concurrent_admissions_to_a_running_writer_all_complete_after_their_commit()
    {
        await using var kit = await InboxTestKit.CreateAsync();
        var writer = await kit.StartWriterAsync();

        var results = await Task.WhenAll(Enumerable.Range(0, 200)
            .Select(i => Task.Run(() => writer.AdmitAsync(InboxTestKit.Message($"RUN{i}"), CancellationToken.None))));

        results.Should().AllBeOfType<Admission.Committed>();
        results.Cast<Admission.Committed>().Select(c => c.Id).Should().OnlyHaveUniqueItems();
        (await kit.MessagesAsync()).Should().HaveCount(200);
        writer.Commits.Should().BeLessThanOrEqualTo(200);
    }

    [Fact]
    public async Task A_byte_identical_resend_gets_the_original_ack_back_and_writes_nothing()
    {
        await using var kit = await InboxTestKit.CreateAsync();
        var writer = await kit.StartWriterAsync();
        var first = await writer.AdmitAsync(InboxTestKit.Message("A1"), CancellationToken.None);

        // Same bytes, though the intake built a fresh ACK (another timestamp) for the resend.
        var resend = InboxTestKit.Message("A1") with { Ack = "a different ACK"u8.ToArray() };
        var second = await writer.AdmitAsync(resend, CancellationToken.None);

        first.Should().BeOfType<Admission.Committed>();
        second.Should().BeOfType<Admission.Duplicate>().Which.Ack.ToArray().Should().Equal(InboxTestKit.Ack("A1"));
        (await kit.MessagesAsync()).Should().ContainSingle();
        var found = await writer.FindAnsweredAsync("ADT_NIM", "NIM", "A1", InboxHash.Sha256(InboxTestKit.Raw("A1")), CancellationToken.None);
        found.Should().BeOfType<Admission.Duplicate>().Which.Ack.ToArray().Should().Equal(InboxTestKit.Ack("A1"));
    }

    [Fact]
    public async Task A_resend_inside_the_same_batch_is_recognised_too()
    {
        await using var kit = await InboxTestKit.CreateAsync();
        var writer = kit.NewWriter();
        var first = writer.AdmitAsync(InboxTestKit.Message("A1"), CancellationToken.None);
        var second = writer.AdmitAsync(InboxTestKit.Message("A1"), CancellationToken.None);
        await writer.StartAsync(CancellationToken.None);

        (await first).Should().BeOfType<Admission.Committed>();
        (await second).Should().BeOfType<Admission.Duplicate>();
        writer.Commits.Should().Be(1);
        (await kit.MessagesAsync()).Should().ContainSingle();
    }

    [Fact]
    public async Task A_control_id_reused_for_other_bytes_is_refused_and_the_original_stays_alone()
    {
        await using var kit = await InboxTestKit.CreateAsync();
        var writer = await kit.StartWriterAsync();
        var original = (Admission.Committed)await writer.AdmitAsync(InboxTestKit.Message("A1"), CancellationToken.None);

        var other = InboxTestKit.Message("A1", raw: InboxTestKit.Raw("A1", "PID|1||999^^^NIM^MR"));
        var refused = await writer.AdmitAsync(other, CancellationToken.None);

        refused.Should().Be(new Admission.ControlIdReused(original.Id));
        var stored = (await kit.MessagesAsync()).Should().ContainSingle().Subject;
        stored.Raw.Should().Equal(InboxTestKit.Raw("A1"));

        // The same control id from another sender is another message.
        (await writer.AdmitAsync(InboxTestKit.Message("A1", application: "PHARM_NIM"), CancellationToken.None))
            .Should().BeOfType<Admission.Committed>();
    }

    [Fact]
    public async Task When_the_inbox_cannot_commit_every_caller_of_the_batch_throws_and_nothing_is_half_written()
    {
        await using var kit = await InboxTestKit.CreateAsync(busyTimeout: TimeSpan.FromMilliseconds(200));
        var writer = await kit.StartWriterAsync();
        await writer.AdmitAsync(InboxTestKit.Message("BEFORE"), CancellationToken.None);

        await using (var locker = new SqliteConnection($"Data Source={kit.Store.DatabasePath};Pooling=False"))
        {
            await locker.OpenAsync();
            await using (var begin = locker.CreateCommand())
            {
                begin.CommandText = "BEGIN EXCLUSIVE";
                await begin.ExecuteNonQueryAsync();
            }

            var during = Enumerable.Range(0, 5).Select(i => writer.AdmitAsync(InboxTestKit.Message($"DURING{i}"), CancellationToken.None)).ToList();
            foreach (var admission in during)
            {
                var refused = () => admission;
                (await refused.Should().ThrowAsync<InboxUnavailableException>()).Which.InnerException.Should().BeOfType<SqliteException>();
            }
            var deadLetter = () => writer.DeadLetterAsync(
                new DeadLetter(InboxTestKit.Noon, "ADT_NIM", "NIM", "X", DeadLetterStage.Envelope, "unknown sender", InboxTestKit.Raw("X")),
                CancellationToken.None);
            await deadLetter.Should().ThrowAsync<InboxUnavailableException>();

            await using var rollback = locker.CreateCommand();
            rollback.CommandText = "ROLLBACK";
            await rollback.ExecuteNonQueryAsync();
        }

        (await kit.MessagesAsync()).Select(m => m.ControlId).Should().Equal("BEFORE");
        (await kit.Store.ListDeadLettersAsync(includeReplayed: true)).Should().BeEmpty();

        // The sender resends what was not ACKed: it is admitted now, as a new message.
        (await writer.AdmitAsync(InboxTestKit.Message("DURING0"), CancellationToken.None)).Should().BeOfType<Admission.Committed>();
        (await kit.MessagesAsync()).Select(m => m.ControlId).Should().Equal("BEFORE", "DURING0");
    }

    [Fact]
    public async Task A_stopped_writer_refuses_new_messages()
    {
        await using var kit = await InboxTestKit.CreateAsync();
        var writer = await kit.StartWriterAsync();
        await writer.StopAsync(CancellationToken.None);

        var refused = () => writer.AdmitAsync(InboxTestKit.Message("LATE"), CancellationToken.None);
        await refused.Should().ThrowAsync<InboxUnavailableException>();
    }
}
