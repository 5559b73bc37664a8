using Dapper;
using DsnGateway.Audit;
using DsnGateway.Hosting;
using DsnGateway.Runtime;
using DsnGateway.Observability;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Serilog.Extensions.Logging;

namespace DsnGateway.Tests.Audit;

/// <summary>
/// The attacks an audit.db writer can make on a chain that holds together on its own (cut its tail, recompute it
/// from a changed record, forge or re-sign checkpoints, roll it back), each found by the real <c>audit verify</c>
/// command over a real audit.db, its key file and the gateway's own JSON log as the shipped heads (docs/arch/0014).
/// </summary>
[Collection(ConsoleCollection.Name)]
public class AuditCheckpointTests
{
    [Fact]
    public async Task An_untouched_chain_and_its_checkpoints_verify()
    {
        await using var audit = await AnchoredAudit.WithRecordsAsync(7);

        var (exit, output, error) = await audit.VerifyAsync("--heads", audit.LogFile);

        exit.Should().Be(0, output + error);
        output.Should().Contain("audit chain intact: 7 records")
            .And.Contain("checkpoints verified: 3, the last at record 7")
            .And.Contain("shipped heads verified: 3");
        (await audit.Store.ReadCheckpointsAsync(CancellationToken.None)).Select(c => c.Seq).Should().Equal(3, 6, 7);
    }

    [Fact]
    public async Task The_log_carries_each_checkpoint_as_a_named_event_with_seq_and_head_only()
    {
        await using var audit = await AnchoredAudit.WithRecordsAsync(3);

        var line = File.ReadLines(audit.LogFile).Single(l => l.Contains("AuditCheckpoint", StringComparison.Ordinal));
        using var json = System.Text.Json.JsonDocument.Parse(line);
        var properties = json.RootElement.GetProperty("Properties");
        properties.GetProperty("EventId").GetProperty("Name").GetString().Should().Be("AuditCheckpoint");
        properties.GetProperty("Seq").GetInt64().Should().Be(3);
        properties.GetProperty("HeadHash").GetString().Should().Be((await audit.Store.ReadHashesAsync([3], CancellationToken.None))[3]);
        line.Should().NotContain("Patient/p", "a checkpoint names no patient");
    }

    [Fact]
    public async Task A_truncated_tail_is_found_from_the_last_checkpoint()
    {
        await using var audit = await AnchoredAudit.WithRecordsAsync(7);
        // The patient index goes too, so the chain alone has nothing left to notice.
        await audit.ExecuteAsync("DELETE FROM audit_event WHERE seq > 5; DELETE FROM audit_patient WHERE seq > 5");

        var (exit, output, _) = await audit.VerifyAsync();

        exit.Should().Be(1);
        output.Should().Contain("audit chain intact: 5 records", "the cut chain holds together on its own")
            .And.Contain("truncated tail: the chain ends at record 5, but the checkpoint of")
            .And.Contain("signed record 7: records 6 to 7 were removed");
    }

    [Fact]
    public async Task A_chain_recomputed_from_a_changed_record_no_longer_has_the_signed_head()
    {
        await using var audit = await AnchoredAudit.WithRecordsAsync(7);
        await audit.RewriteFromAsync(2);

        var (exit, output, _) = await audit.VerifyAsync();

        exit.Should().Be(1);
        output.Should().Contain("audit chain intact: 7 records", "the rewritten chain holds together on its own")
            .And.Contain("recomputed chain: record 3 no longer has the head signed in the checkpoint of")
            .And.Contain("rewritten at or before record 3");
    }

    [Fact]
    public async Task A_checkpoint_changed_to_the_recomputed_head_is_a_forgery()
    {
        await using var audit = await AnchoredAudit.WithRecordsAsync(7);
        await audit.RewriteFromAsync(2);
        await audit.ExecuteAsync("UPDATE audit_checkpoint SET head_hash = (SELECT hash FROM audit_event WHERE audit_event.seq = audit_checkpoint.seq)");

        var (exit, output, _) = await audit.VerifyAsync();

        exit.Should().Be(1);
        output.Should().Contain("forged checkpoint at record 3: its signature does not verify with key ac-")
            .And.Contain("(and 2 later checkpoint(s))");
    }

    [Fact]
    public async Task Checkpoints_signed_again_with_a_key_of_the_attackers_own_are_refused()
    {
        await using var audit = await AnchoredAudit.WithRecordsAsync(7);
        await audit.RewriteFromAsync(2);
        var elsewhere = AuditTestData.NewDataDirectory();
        try
        {
            using var attacker = AuditCheckpointKey.OpenForSigning(Path.Combine(elsewhere, "attacker.pem"), create: true);
            await audit.ExecuteAsync("DELETE FROM audit_checkpoint");
            await audit.Store.CheckpointAsync(attacker, AuditTestData.Noon, CancellationToken.None);

            var (exit, output, _) = await audit.VerifyAsync();

            exit.Should().Be(1);
            output.Should().Contain($"checkpoint at record 7 is signed with key {attacker.KeyId}, which is not among the public keys given");
        }
        finally
        {
            AuditTestData.Delete(elsewhere);
        }
    }

    [Fact]
    public async Task A_rollback_that_also_removes_the_checkpoints_is_found_only_with_the_shipped_heads()
    {
        await using var audit = await AnchoredAudit.WithRecordsAsync(7);
        await audit.ExecuteAsync("DELETE FROM audit_event WHERE seq > 5; DELETE FROM audit_patient WHERE seq > 5; DELETE FROM audit_checkpoint WHERE seq > 5");

        var (alone, _, _) = await audit.VerifyAsync();
        alone.Should().Be(0, "audit.db alone is consistent again: this is what the shipped heads are for");

        var (exit, output, _) = await audit.VerifyAsync("--heads", audit.LogFile);
        exit.Should().Be(1);
        output.Should().Contain("rollback: a shipped head names record 7, but the chain ends at record 5: records 6 to 7 were removed");
    }

    [Fact]
    public async Task A_recomputed_chain_without_its_checkpoints_is_found_with_the_shipped_heads_in_the_simple_form()
    {
        await using var audit = await AnchoredAudit.WithRecordsAsync(7);
        var heads = Path.Combine(audit.Directory, "heads.txt");
        await File.WriteAllLinesAsync(heads, ["# shipped by the operator", .. (await audit.Store.ReadCheckpointsAsync(CancellationToken.None)).Select(c => $"{c.Seq} {c.HeadHash}")]);
        await audit.RewriteFromAsync(2);
        await audit.ExecuteAsync("DELETE FROM audit_checkpoint");

        var (exit, output, _) = await audit.VerifyAsync("--heads", heads);

        exit.Should().Be(1);
        output.Should().Contain("rollback: record 3 is not the shipped head of record 3");
    }

    [Fact]
    public async Task Deleted_checkpoints_whose_heads_were_shipped_are_named()
    {
        await using var audit = await AnchoredAudit.WithRecordsAsync(7);
        await audit.ExecuteAsync("DELETE FROM audit_checkpoint WHERE seq = 6");

        var (exit, output, _) = await audit.VerifyAsync("--heads", audit.LogFile);

        exit.Should().Be(1);
        output.Should().Contain("the checkpoint of record 6, whose head was shipped, is missing from audit.db");
    }

    [Fact]
    public async Task A_heads_file_that_is_not_heads_is_refused_with_its_line()
    {
        await using var audit = await AnchoredAudit.WithRecordsAsync(3);
        var heads = Path.Combine(audit.Directory, "heads.txt");
        await File.WriteAllLinesAsync(heads, ["3 " + new string('a', 64), "three abc"]);

        var (exit, _, error) = await audit.VerifyAsync("--heads", heads);

        exit.Should().Be(1);
        error.Should().Contain("heads.txt line 2 is neither an AuditCheckpoint log line nor '<seq> <head hash>'");
    }

    [Fact]
    public async Task Checkpoints_without_any_public_key_cannot_pass()
    {
        await using var audit = await AnchoredAudit.WithRecordsAsync(3);
        File.Delete(audit.KeyPath);
        File.Delete(AuditCheckpointKey.PublicKeyPath(audit.KeyPath));

        var (exit, output, _) = await audit.VerifyAsync();

        exit.Should().Be(1);
        output.Should().Contain("1 checkpoints cannot be checked: no public key");
    }

    [Fact]
    public async Task The_public_key_alone_verifies()
    {
        await using var audit = await AnchoredAudit.WithRecordsAsync(3);
        var publicKey = Path.Combine(audit.Directory, "shipped.pub.pem");
        File.Move(AuditCheckpointKey.PublicKeyPath(audit.KeyPath), publicKey);
        File.Delete(audit.KeyPath);

        var (exit, output, _) = await audit.VerifyAsync("--public-key", publicKey);

        exit.Should().Be(0, output);
        output.Should().Contain("checkpoints verified: 1, the last at record 3");
    }

    [Fact]
    public async Task Instances_sharing_one_database_never_sign_two_heads_for_one_record()
    {
        await using var audit = await AnchoredAudit.WithRecordsAsync(3);
        using var secondInstanceKey = AuditCheckpointKey.OpenForSigning(audit.KeyPath, create: false);

        (await audit.Store.CheckpointAsync(secondInstanceKey, AuditTestData.Noon, CancellationToken.None)).Should().BeNull("record 3 is signed already");
        await audit.Store.AppendAsync([new AuditEventFactory().Create(AuditTestData.Read("p4"))], CancellationToken.None);
        (await audit.Store.CheckpointAsync(secondInstanceKey, AuditTestData.Noon, CancellationToken.None))!.Seq.Should().Be(4);
    }

    [Fact]
    public void A_created_key_is_private_to_the_gateway_user()
    {
        var directory = AuditTestData.NewDataDirectory();
        try
        {
            var path = Path.Combine(directory, "keys", "audit-checkpoint.pem");
            using var key = AuditCheckpointKey.OpenForSigning(path, create: true);

            if (!OperatingSystem.IsWindows())
                File.GetUnixFileMode(path).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.ReadAllText(AuditCheckpointKey.PublicKeyPath(path)).Should().StartWith("-----BEGIN PUBLIC KEY-----");
            using var again = AuditCheckpointKey.OpenForSigning(path, create: false);
            again.KeyId.Should().Be(key.KeyId, "the key is created once and kept");
        }
        finally
        {
            AuditTestData.Delete(directory);
        }
    }

    [Fact]
    public async Task Production_without_the_key_refuses_to_start_and_creates_none()
    {
        var directory = AuditTestData.NewDataDirectory();
        try
        {
            var start = () => GatewayApplication.BuildAsync(new GatewaySettings
            {
                Paths = new GatewayPaths(directory, GatewayFixture.ConfigDirectory),
                Urls = "http://127.0.0.1:0",
                EnvironmentName = "Production",
                LoadSampleData = false,
                Mllp = "127.0.0.1:0",
                Overrides = new Dictionary<string, string?>(),
            });

            var problems = (await start.Should().ThrowAsync<GatewayStartupException>()).Which.Problems;
            problems.Should().ContainSingle(p => p.Contains("audit checkpoint signing key") && p.Contains("Audit:Checkpoints:CreateKey=true"));
            File.Exists(Path.Combine(directory, "keys", "audit-checkpoint.pem")).Should().BeFalse("a missing key is never replaced silently");
        }
        finally
        {
            AuditTestData.Delete(directory);
        }
    }

    /// <summary>
    /// A writer that signs every 3 records (and at its stop) with the key at the default place in the data directory,
    /// logging through the gateway's own Serilog set-up to its JSON file: the heads an operator would ship.
    /// </summary>
    private sealed class AnchoredAudit : IAsyncDisposable
    {
        private AnchoredAudit(string directory, AuditStore store, string keyPath)
        {
            Directory = directory;
            Store = store;
            KeyPath = keyPath;
        }

        public string Directory { get; }
        public AuditStore Store { get; }
        public string KeyPath { get; }
        public string LogFile => System.IO.Directory.GetFiles(Path.Combine(Directory, "logs"), "*.json").Single();

        /// <summary>Records <paramref name="count"/> reads one by one, stops the writer (its last checkpoint) and flushes the log.</summary>
        public static async Task<AnchoredAudit> WithRecordsAsync(int count)
        {
            var directory = AuditTestData.NewDataDirectory();
            var options = new AuditCheckpointOptions { EveryRecords = 3, EverySeconds = 3600 };
            var keyPath = options.ResolvedKeyPath(new GatewayPaths(directory, GatewayFixture.ConfigDirectory));
            var key = AuditCheckpointKey.OpenForSigning(keyPath, create: true);
            var store = new AuditStore(Path.Combine(directory, AuditStore.FileName));
            var serilog = GatewayLogging.Create(new ConfigurationBuilder().Build(), Path.Combine(directory, "logs"));
            using var loggers = new SerilogLoggerFactory(serilog, dispose: true);
            var checkpoints = new AuditCheckpointWriter(store, key, options, TimeProvider.System, loggers.CreateLogger<AuditCheckpointWriter>());
            var writer = new AuditWriter(store, new AuditEventFactory(), checkpoints: checkpoints);
            await writer.StartAsync(CancellationToken.None);
            for (var i = 1; i <= count; i++) await writer.RecordAsync(AuditTestData.Read($"p{i}"), CancellationToken.None);
            await writer.StopAsync(CancellationToken.None);
            await writer.DisposeAsync();
            key.Dispose();
            return new AnchoredAudit(directory, store, keyPath);
        }

        public Task<(int Exit, string Output, string Error)> VerifyAsync(params string[] more) =>
            AuditVerifyCommandTests.RunAsync(["audit", "verify", "--data-dir", Directory, .. more]);

        public async Task ExecuteAsync(string sql)
        {
            await using var connection = new SqliteConnection($"Data Source={Store.DatabasePath};Pooling=False");
            await connection.OpenAsync();
            await connection.ExecuteAsync(sql);
        }

        /// <summary>What a database writer can do without the key: change record <paramref name="from"/> and recompute every hash after it.</summary>
        public async Task RewriteFromAsync(long from)
        {
            await using var connection = new SqliteConnection($"Data Source={Store.DatabasePath};Pooling=False");
            await connection.OpenAsync();
            var rows = (await connection.QueryAsync<(long Seq, string Json, string Previous)>(
                "SELECT seq, json, previous_hash FROM audit_event WHERE seq >= @from ORDER BY seq", new { from })).ToList();
            var previous = rows[0].Previous;
            foreach (var (seq, json, _) in rows)
            {
                var changed = seq == from ? json.Replace("\"description\":\"GET ", "\"description\":\"PUT ", StringComparison.Ordinal) : json;
                if (seq == from) changed.Should().NotBe(json, "the attack changes the record");
                var hash = AuditChain.Hash(previous, changed);
                await connection.ExecuteAsync("UPDATE audit_event SET json = @changed, hash = @hash, previous_hash = @previous WHERE seq = @seq",
                    new { changed, hash, previous, seq });
                previous = hash;
            }
        }

        public ValueTask DisposeAsync()
        {
            AuditTestData.Delete(Directory, Store);
            return ValueTask.CompletedTask;
        }
    }
}
