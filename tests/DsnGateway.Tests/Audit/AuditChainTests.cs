using Dapper;
using DsnGateway.Audit;
using Microsoft.Data.Sqlite;

namespace DsnGateway.Tests.Audit;

/// <summary>Tampering with the stored audit is detected, and the first broken record named.</summary>
public class AuditChainTests
{
    [Fact]
    public async Task An_untouched_chain_is_intact()
    {
        await using var audit = await WithRecordsAsync(5);
        var verification = await AuditChain.VerifyAsync(audit.Store, CancellationToken.None);
        verification.IsIntact.Should().BeTrue();
        verification.IntactRecords.Should().Be(5);
    }

    [Fact]
    public async Task Editing_one_record_names_exactly_that_record()
    {
        await using var audit = await WithRecordsAsync(5);
        await ExecuteAsync(audit, "UPDATE audit_event SET json = replace(json, 'Patient/p3', 'Patient/other') WHERE seq = 3");

        var broken = (await AuditChain.VerifyAsync(audit.Store, CancellationToken.None)).FirstBreak;
        broken.Should().NotBeNull();
        broken!.Seq.Should().Be(3);
        broken.Reason.Should().Contain("content hash mismatch");
        broken.Recorded.Should().Be(AuditTestData.Noon);
    }

    [Fact]
    public async Task Recomputing_an_edited_record_own_hash_still_breaks_the_link_to_the_next()
    {
        await using var audit = await WithRecordsAsync(5);
        await using (var connection = await audit.Store.OpenAsync(CancellationToken.None))
        {
            var row = await connection.QuerySingleAsync<(string Json, string Previous)>("SELECT json, previous_hash FROM audit_event WHERE seq = 2");
            var json = row.Json.Replace("\"description\":\"GET ", "\"description\":\"PUT ", StringComparison.Ordinal);
            await connection.ExecuteAsync("UPDATE audit_event SET json = @json, hash = @hash WHERE seq = 2",
                new { json, hash = AuditChain.Hash(row.Previous, json) });
        }

        var broken = (await AuditChain.VerifyAsync(audit.Store, CancellationToken.None)).FirstBreak!;
        broken.Seq.Should().Be(3);
        broken.Reason.Should().Contain("previous-hash link broken");
    }

    [Fact]
    public async Task Deleting_a_middle_record_names_the_gap()
    {
        await using var audit = await WithRecordsAsync(5);
        await ExecuteAsync(audit, "DELETE FROM audit_event WHERE seq = 3");

        var verification = await AuditChain.VerifyAsync(audit.Store, CancellationToken.None);
        verification.IntactRecords.Should().Be(2);
        verification.FirstBreak!.Seq.Should().Be(4);
        verification.FirstBreak.Reason.Should().Be("gap in the chain: record 3 is missing");
    }

    [Fact]
    public async Task Clearing_a_flag_outside_the_hashed_JSON_is_detected()
    {
        await using var audit = await AuditStoreFixture.StartAsync();
        await audit.Writer.RecordAsync(AuditTestData.Read("p1"), CancellationToken.None);
        await audit.Writer.RecordAsync(AuditTestData.Read("p2", status: 403), CancellationToken.None);
        await ExecuteAsync(audit, "UPDATE audit_event SET flagged = 0 WHERE seq = 2");

        var broken = (await AuditChain.VerifyAsync(audit.Store, CancellationToken.None)).FirstBreak!;
        broken.Seq.Should().Be(2);
        broken.Reason.Should().Contain("flagged");
    }

    [Fact]
    public async Task Removing_a_patient_from_the_index_is_detected()
    {
        await using var audit = await WithRecordsAsync(3);
        await ExecuteAsync(audit, "DELETE FROM audit_patient WHERE seq = 2");

        var broken = (await AuditChain.VerifyAsync(audit.Store, CancellationToken.None)).FirstBreak!;
        broken.Seq.Should().Be(2);
        broken.Reason.Should().Contain("patient index");
    }

    [Fact]
    public async Task Removing_the_last_records_but_not_their_index_rows_is_detected()
    {
        await using var audit = await WithRecordsAsync(3);
        await ExecuteAsync(audit, "DELETE FROM audit_event WHERE seq = 3");

        var verification = await AuditChain.VerifyAsync(audit.Store, CancellationToken.None);
        verification.IntactRecords.Should().Be(2);
        verification.FirstBreak!.Seq.Should().Be(3);
    }

    internal static async Task<AuditStoreFixture> WithRecordsAsync(int count)
    {
        var audit = await AuditStoreFixture.StartAsync();
        for (var i = 1; i <= count; i++) await audit.Writer.RecordAsync(AuditTestData.Read($"p{i}"), CancellationToken.None);
        return audit;
    }

    internal static async Task ExecuteAsync(AuditStoreFixture audit, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={audit.DatabasePath};Pooling=False");
        await connection.OpenAsync();
        await connection.ExecuteAsync(sql);
    }
}
