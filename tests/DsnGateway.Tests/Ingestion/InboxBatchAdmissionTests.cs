using DsnGateway.Ingestion;
using DsnGateway.Mapping.Codes;
using Microsoft.Data.Sqlite;

namespace DsnGateway.Tests.Ingestion;

/// <summary>
/// <see cref="InboxWriter.AdmitBatchAsync"/>, the bulk callers' way in (CSV imports): the same rules as one message at a
/// time, the batch committed in one transaction or not at all.
/// </summary>
public class InboxBatchAdmissionTests
{
    private static readonly UnmappedCode Unmapped = new("NIM", CodeKind.Drug, "PHARM", "X42", "Mystery");

    private static AcceptedMessage Bound(string controlId, string patientKey, params string[] identifiers) =>
        InboxTestKit.Message(controlId, patientKey) with { PatientIdentifiers = identifiers, UnmappedCodes = [Unmapped] };

    [Fact]
    public async Task A_batch_is_one_transaction_and_each_message_gets_what_it_would_get_alone_in_order()
    {
        await using var kit = await InboxTestKit.CreateAsync();
        var writer = await kit.StartWriterAsync();
        var earlier = (Admission.Committed)await writer.AdmitAsync(InboxTestKit.Message("OLD"), CancellationToken.None);
        var commits = writer.Commits;

        var results = await writer.AdmitBatchAsync(
        [
            Bound("B1", "nam|A", "nam|A", "mrn|1"),
            InboxTestKit.Message("OLD"),                                        // committed before: a duplicate
            Bound("B2", "nam|B", "nam|B"),
            Bound("B1", "nam|A", "nam|A", "mrn|1"),                             // repeats B1 of this very batch
            InboxTestKit.Message("B2", raw: InboxTestKit.Raw("B2", "PID|other")), // B2's control id, other bytes
        ], CancellationToken.None);

        writer.Commits.Should().Be(commits + 1);
        results.Should().HaveCount(5);
        var b1 = results[0].Should().BeOfType<Admission.Committed>().Subject;
        results[1].Should().BeOfType<Admission.Duplicate>().Which.Ack.ToArray().Should().Equal(InboxTestKit.Ack("OLD"));
        var b2 = results[2].Should().BeOfType<Admission.Committed>().Subject;
        results[3].Should().BeOfType<Admission.Duplicate>().Which.Ack.ToArray().Should().Equal(InboxTestKit.Ack("B1"));
        results[4].Should().BeOfType<Admission.ControlIdReused>().Which.ExistingId.Should().Be(b2.Id);

        b1.Id.Should().BeGreaterThan(earlier.Id);
        b2.Id.Should().BeGreaterThan(b1.Id);
        (await kit.MessagesAsync()).Select(m => m.ControlId).Should().Equal("OLD", "B1", "B2");
        // The identity index and the unmapped counts in the same commit, and only for the messages stored.
        var keys = await kit.Store.FindPatientKeysAsync(["nam|A", "mrn|1", "nam|B"], CancellationToken.None);
        keys.Should().BeEquivalentTo(new Dictionary<string, string> { ["nam|A"] = "nam|A", ["mrn|1"] = "nam|A", ["nam|B"] = "nam|B" });
        (await kit.Store.ListUnmappedCodesAsync()).Should().ContainSingle().Which.Count.Should().Be(2);
    }

    [Fact]
    public async Task A_batch_that_fails_half_way_is_rolled_back_whole_and_can_be_sent_again()
    {
        await using var kit = await InboxTestKit.CreateAsync();
        var writer = await kit.StartWriterAsync();
        await writer.AdmitAsync(InboxTestKit.Message("BEFORE"), CancellationToken.None);
        // The third message's insert fails inside the transaction, after two were written in it.
        await using (var connection = new SqliteConnection($"Data Source={kit.Store.DatabasePath};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var trigger = connection.CreateCommand();
            trigger.CommandText = """
                CREATE TRIGGER poison BEFORE INSERT ON messages WHEN NEW.control_id = 'POISON'
                BEGIN SELECT RAISE(ABORT, 'poisoned'); END;
                """;
            await trigger.ExecuteNonQueryAsync();
        }

        var batch = new List<AcceptedMessage> { Bound("C1", "nam|C", "nam|C"), Bound("C2", "nam|D", "nam|D"), InboxTestKit.Message("POISON") };
        var failing = () => writer.AdmitBatchAsync(batch, CancellationToken.None);
        (await failing.Should().ThrowAsync<InboxUnavailableException>()).Which.InnerException.Should().BeOfType<SqliteException>();

        (await kit.MessagesAsync()).Select(m => m.ControlId).Should().Equal("BEFORE");
        (await kit.Store.FindPatientKeysAsync(["nam|C", "nam|D"], CancellationToken.None)).Should().BeEmpty();
        (await kit.Store.ListUnmappedCodesAsync()).Should().BeEmpty();

        // Sent again (as a re-run import does), without the message that cannot be stored: all new, each once.
        var again = await writer.AdmitBatchAsync(batch[..2], CancellationToken.None);
        again.Should().AllBeOfType<Admission.Committed>();
        (await kit.MessagesAsync()).Select(m => m.ControlId).Should().Equal("BEFORE", "C1", "C2");
        (await kit.Store.ListUnmappedCodesAsync()).Should().ContainSingle().Which.Count.Should().Be(2);
    }

    [Fact]
    public async Task A_batch_larger_than_a_group_commit_is_committed_alone_and_whole_between_single_messages_in_queue_order()
    {
        await using var kit = await InboxTestKit.CreateAsync();
        var writer = kit.NewWriter();
        var big = Enumerable.Range(0, InboxWriter.MaxBatch + 10).Select(i => InboxTestKit.Message($"BULK{i:D4}")).ToList();

        // Queued before the loop runs: a single message, the bulk batch, another single message.
        var before = writer.AdmitAsync(InboxTestKit.Message("SINGLE1"), CancellationToken.None);
        var bulk = writer.AdmitBatchAsync(big, CancellationToken.None);
        var after = writer.AdmitAsync(InboxTestKit.Message("SINGLE2"), CancellationToken.None);
        await writer.StartAsync(CancellationToken.None);
        await Task.WhenAll(before, bulk, after);

        (await bulk).Should().HaveCount(big.Count).And.AllBeOfType<Admission.Committed>();
        // SINGLE1 alone (the batch would overflow its transaction), the batch alone, then SINGLE2.
        writer.Commits.Should().Be(3);
        (await kit.MessagesAsync()).Select(m => m.ControlId).Should().Equal(["SINGLE1", .. big.Select(m => m.ControlId), "SINGLE2"]);
    }

    [Fact]
    public async Task A_batch_with_an_invalid_message_or_too_many_messages_is_refused_before_anything_is_queued()
    {
        await using var kit = await InboxTestKit.CreateAsync();
        var writer = await kit.StartWriterAsync();

        var invalid = () => writer.AdmitBatchAsync([InboxTestKit.Message("OK"), InboxTestKit.Message("EMPTY") with { BundleJson = "" }], CancellationToken.None);
        await invalid.Should().ThrowAsync<ArgumentException>();
        var tooMany = () => writer.AdmitBatchAsync(
            Enumerable.Range(0, InboxWriter.MaxBulkBatch + 1).Select(i => InboxTestKit.Message($"M{i}")).ToList(), CancellationToken.None);
        await tooMany.Should().ThrowAsync<ArgumentException>();

        (await kit.MessagesAsync()).Should().BeEmpty();
        writer.Commits.Should().Be(0);
    }

    [Fact]
    public async Task A_bundle_is_stored_compressed_and_read_back_as_admitted_and_a_text_bundle_of_an_older_inbox_still_reads()
    {
        await using var kit = await InboxTestKit.CreateAsync();
        var writer = await kit.StartWriterAsync();
        var json = $$"""{"resourceType":"Bundle","type":"transaction","entry":[{{string.Join(",", Enumerable.Repeat("""{"request":{"method":"PUT","url":"Patient?identifier=urn:dsn:mrn:nim|Élise"}}""", 20))}}]}""";
        var stored = (Admission.Committed)await writer.AdmitAsync(InboxTestKit.Message("Z1") with { BundleJson = json }, CancellationToken.None);

        await using (var connection = new SqliteConnection($"Data Source={kit.Store.DatabasePath};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var column = connection.CreateCommand();
            column.CommandText = "SELECT typeof(bundle), length(bundle) FROM messages WHERE id = $id";
            column.Parameters.AddWithValue("$id", stored.Id);
            await using (var reader = await column.ExecuteReaderAsync())
            {
                reader.Read().Should().BeTrue();
                reader.GetString(0).Should().Be("blob");
                reader.GetInt64(1).Should().BeLessThan(System.Text.Encoding.UTF8.GetByteCount(json) / 2);
            }
            // A row written before compression (TEXT), as an existing inbox holds them.
            await using var legacy = connection.CreateCommand();
            legacy.CommandText = """
                INSERT INTO messages (received, sender_application, sender_facility, control_id, message_type, raw, raw_sha256, ack, bundle, patient_key)
                VALUES (0, 'ADT_NIM', 'NIM', 'OLDTEXT', 'ADT^A08', x'00', 'x', x'00', '{"resourceType":"Bundle","id":"old"}', 'k')
                """;
            await legacy.ExecuteNonQueryAsync();
        }

        (await kit.Store.GetMessageAsync(stored.Id, CancellationToken.None))!.BundleJson.Should().Be(json);
        var pending = await kit.Store.ReadPendingAsync(10, CancellationToken.None);
        pending.Select(p => p.BundleJson).Should().Equal(json, """{"resourceType":"Bundle","id":"old"}""");
    }
}
