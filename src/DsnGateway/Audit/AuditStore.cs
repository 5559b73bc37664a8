using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using Dapper;
using DsnGateway.Sqlite.Migrations;
using DsnGateway.Storage;
using Hl7.Fhir.Model;
using Hl7.Fhir.Utility;
using Microsoft.Data.Sqlite;
using Task = System.Threading.Tasks.Task;

namespace DsnGateway.Audit;

/// <summary>
/// The audit in its own SQLite file (WAL, synchronous=FULL: a committed record survives a crash), apart from
/// the clinical data so neither can fill or lock the other. Records are appended in seq order with their hash
/// chain; a side table (seq, patient) serves the patient search and access reports.
/// </summary>
internal sealed class AuditStore
{
    public const string FileName = "audit.db";

    private readonly DurableSqliteFile _file;

    /// <param name="busyTimeout">How long a write waits for another connection's lock before failing (the
    /// caller then fails closed); default 5 s. Whole seconds above the first are SQLite's command timeout.</param>
    public AuditStore(string databasePath, TimeSpan? busyTimeout = null, bool createIfMissing = true)
    {
        _file = new DurableSqliteFile(databasePath, busyTimeout, createIfMissing);
    }

    public string DatabasePath => _file.Path;

    public Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken) => _file.OpenAsync(cancellationToken);

    /// <summary>Closes this database's idle pooled connections (so the file can be moved, deleted or copied).</summary>
    public void ReleaseConnections() => _file.ReleaseConnections();

    /// <summary>audit.db's versioned layout: the scripts of Audit/Migrations (ADR 0013).</summary>
    public static readonly DatabaseSchema Schema = DatabaseSchema.FromResources("audit", typeof(AuditStore).Assembly);

    public async Task InitializeAsync(CancellationToken cancellationToken) => await MigrateAsync(cancellationToken);

    /// <summary>Creates the file or brings it to the newest schema version, under SQLite's write lock.</summary>
    /// <exception cref="SchemaVersionException">the file is newer than this build, or not an audit database.</exception>
    public async Task<SchemaUpgrade> MigrateAsync(CancellationToken cancellationToken)
    {
        _file.EnsureDirectory();
        await using var connection = await OpenAsync(cancellationToken);
        return await Schema.MigrateAsync(connection, cancellationToken);
    }

    /// <summary>
    /// Appends the events in one transaction: each gets the next seq as its id, its canonical JSON, and its link
    /// in the chain. The chain's head is read inside the transaction (never cached), so a failed batch leaves
    /// nothing behind and the next one continues from what is really committed.
    /// </summary>
    public Task<IReadOnlyList<StoredAuditEvent>> AppendAsync(IReadOnlyList<AuditEvent> events, CancellationToken cancellationToken) =>
        AppendAsync(events, [], [], cancellationToken);

    /// <summary>
    /// Appends the events, and in the same transaction records the write intents <paramref name="intents"/> (id, the
    /// attempt as JSON) and removes the intents <paramref name="completed"/> that these events complete.
    /// </summary>
    public async Task<IReadOnlyList<StoredAuditEvent>> AppendAsync(IReadOnlyList<AuditEvent> events, IReadOnlyList<(string Id, string Record)> intents,
        IReadOnlyCollection<string> completed, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        // BEGIN IMMEDIATE: take the write lock now, so the head read below is the head we append to.
        await using var transaction = connection.BeginTransaction(deferred: false);
        foreach (var (id, record) in intents)
        {
            await connection.ExecuteAsync(new CommandDefinition("INSERT INTO audit_intent (id, record) VALUES (@id, @record)",
                new { id, record }, transaction, cancellationToken: cancellationToken));
        }
        foreach (var id in completed)
        {
            await connection.ExecuteAsync(new CommandDefinition("DELETE FROM audit_intent WHERE id = @id", new { id }, transaction, cancellationToken: cancellationToken));
        }
        var stored = await AppendEventsAsync(connection, transaction, events, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return stored;
    }

    /// <summary>
    /// Appends the AuditEvents of fallback entries (id, event) not in the chain yet, and records their ids in the same
    /// transaction, so each is written once however often it is offered. Returns how many were written.
    /// </summary>
    public async Task<int> AppendFallbackAsync(IReadOnlyList<(string Id, AuditEvent Event)> entries, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = connection.BeginTransaction(deferred: false);
        var taken = (await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT id FROM audit_fallback_taken WHERE id IN (SELECT value FROM json_each(@ids))",
            new { ids = System.Text.Json.JsonSerializer.Serialize(entries.Select(e => e.Id)) }, transaction, cancellationToken: cancellationToken))).ToHashSet();
        var fresh = entries.Where(e => !taken.Contains(e.Id)).ToList();
        foreach (var (id, _) in fresh)
        {
            await connection.ExecuteAsync(new CommandDefinition("INSERT INTO audit_fallback_taken (id) VALUES (@id)", new { id }, transaction, cancellationToken: cancellationToken));
        }
        await AppendEventsAsync(connection, transaction, [.. fresh.Select(e => e.Event)], cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return fresh.Count;
    }

    /// <summary>The events chained after the head, inside the caller's transaction (which holds the write lock).</summary>
    private static async Task<List<StoredAuditEvent>> AppendEventsAsync(SqliteConnection connection, SqliteTransaction transaction,
        IReadOnlyList<AuditEvent> events, CancellationToken cancellationToken)
    {
        var head = await connection.QuerySingleOrDefaultAsync<ChainHead>(new CommandDefinition(
            "SELECT seq AS Seq, hash AS Hash FROM audit_event ORDER BY seq DESC LIMIT 1", transaction: transaction, cancellationToken: cancellationToken));
        var seq = head?.Seq ?? 0;
        var previousHash = head?.Hash ?? AuditChain.Genesis;

        var stored = new List<StoredAuditEvent>(events.Count);
        await using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO audit_event (seq, recorded, json, outcome, agent, flagged, hash, previous_hash)
            VALUES ($seq, $recorded, $json, $outcome, $agent, $flagged, $hash, $previous)
            """;
        var pSeq = insert.Parameters.Add("$seq", SqliteType.Integer);
        var pRecorded = insert.Parameters.Add("$recorded", SqliteType.Integer);
        var pJson = insert.Parameters.Add("$json", SqliteType.Text);
        var pOutcome = insert.Parameters.Add("$outcome", SqliteType.Text);
        var pAgent = insert.Parameters.Add("$agent", SqliteType.Text);
        var pFlagged = insert.Parameters.Add("$flagged", SqliteType.Integer);
        var pHash = insert.Parameters.Add("$hash", SqliteType.Text);
        var pPrevious = insert.Parameters.Add("$previous", SqliteType.Text);

        await using var patientInsert = connection.CreateCommand();
        patientInsert.Transaction = transaction;
        patientInsert.CommandText = "INSERT OR IGNORE INTO audit_patient (seq, patient) VALUES ($seq, $patient)";
        var ppSeq = patientInsert.Parameters.Add("$seq", SqliteType.Integer);
        var ppPatient = patientInsert.Parameters.Add("$patient", SqliteType.Text);

        var buffer = new ArrayBufferWriter<byte>(8192);
        foreach (var auditEvent in events)
        {
            seq++;
            auditEvent.Id = seq.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var utf8 = AuditEventJson.Write(auditEvent, buffer);
            var json = Encoding.UTF8.GetString(utf8);
            var hash = AuditChain.Hash(previousHash, utf8);
            var row = new StoredAuditEvent(seq, RecordedOf(auditEvent), json, OutcomeOf(auditEvent), SubjectOf(auditEvent),
                IsFlagged(auditEvent), hash, previousHash);

            pSeq.Value = row.Seq;
            pRecorded.Value = row.Recorded.UtcTicks;
            pJson.Value = row.Json;
            pOutcome.Value = row.Outcome;
            pAgent.Value = (object?)row.Agent ?? DBNull.Value;
            pFlagged.Value = row.Flagged ? 1 : 0;
            pHash.Value = row.Hash;
            pPrevious.Value = row.PreviousHash;
            await insert.ExecuteNonQueryAsync(cancellationToken);

            foreach (var patient in PatientsOf(auditEvent))
            {
                ppSeq.Value = seq;
                ppPatient.Value = patient;
                await patientInsert.ExecuteNonQueryAsync(cancellationToken);
            }
            stored.Add(row);
            previousHash = hash;
        }
        return stored;
    }

    /// <summary>Write intents not yet completed by their AuditEvent (id, the attempt as JSON).</summary>
    public async Task<IReadOnlyList<(string Id, string Record)>> ReadIntentsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string, string)>(new CommandDefinition("SELECT id, record FROM audit_intent ORDER BY id", cancellationToken: cancellationToken));
        return rows.ToList();
    }

    public async Task<StoredAuditEvent?> ReadAsync(long seq, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<AuditRow>(new CommandDefinition(
            $"{SelectRow} WHERE seq = @seq", new { seq }, cancellationToken: cancellationToken));
        return row?.ToStored();
    }

    /// <summary>Every record in seq order, streamed (the chain may be far larger than memory).</summary>
    public async IAsyncEnumerable<StoredAuditEvent> ReadChainAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"{SelectRow} ORDER BY seq";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var parser = reader.GetRowParser<AuditRow>();
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return parser(reader).ToStored();
        }
    }

    /// <summary>The patient index, (seq, patient) in seq then patient order, streamed.</summary>
    public async IAsyncEnumerable<(long Seq, string Patient)> ReadPatientIndexAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT seq, patient FROM audit_patient ORDER BY seq, patient";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return (reader.GetInt64(0), reader.GetString(1));
        }
    }

    /// <summary>
    /// Signs the chain's head when it is past the last checkpoint, in one transaction that holds the write lock (so
    /// instances sharing the database never sign two different heads for one seq); null when there is nothing new.
    /// </summary>
    public async Task<AuditCheckpoint?> CheckpointAsync(AuditCheckpointKey key, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = connection.BeginTransaction(deferred: false);
        var head = await connection.QuerySingleOrDefaultAsync<ChainHead>(new CommandDefinition(
            "SELECT seq AS Seq, hash AS Hash FROM audit_event ORDER BY seq DESC LIMIT 1", transaction: transaction, cancellationToken: cancellationToken));
        var last = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            "SELECT MAX(seq) FROM audit_checkpoint", transaction: transaction, cancellationToken: cancellationToken));
        if (head is null || head.Seq <= (last ?? 0)) return null;
        var checkpoint = key.Sign(head.Seq, head.Hash, now);
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO audit_checkpoint (seq, head_hash, created, key_id, signature) VALUES (@Seq, @HeadHash, @created, @KeyId, @Signature)",
            new { checkpoint.Seq, checkpoint.HeadHash, created = checkpoint.Created.UtcTicks, checkpoint.KeyId, checkpoint.Signature },
            transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return checkpoint;
    }

    /// <summary>Every checkpoint in seq order; none in a database written before checkpoints existed.</summary>
    public async Task<IReadOnlyList<AuditCheckpoint>> ReadCheckpointsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var exists = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'audit_checkpoint'", cancellationToken: cancellationToken));
        if (exists == 0) return [];
        var rows = await connection.QueryAsync<(long Seq, string HeadHash, long Created, string KeyId, string Signature)>(new CommandDefinition(
            "SELECT seq, head_hash, created, key_id, signature FROM audit_checkpoint ORDER BY seq", cancellationToken: cancellationToken));
        return [.. rows.Select(r => new AuditCheckpoint(r.Seq, r.HeadHash, new DateTimeOffset(r.Created, TimeSpan.Zero), r.KeyId, r.Signature))];
    }

    /// <summary>The stored hash of each record asked for that exists (what a checkpoint or a shipped head is compared with).</summary>
    public async Task<IReadOnlyDictionary<long, string>> ReadHashesAsync(IEnumerable<long> seqs, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var found = new Dictionary<long, string>();
        foreach (var chunk in seqs.Distinct().Chunk(500))
        {
            var rows = await connection.QueryAsync<(long Seq, string Hash)>(new CommandDefinition(
                "SELECT seq, hash FROM audit_event WHERE seq IN (SELECT value FROM json_each(@seqs))",
                new { seqs = System.Text.Json.JsonSerializer.Serialize(chunk) }, cancellationToken: cancellationToken));
            foreach (var (seq, hash) in rows) found[seq] = hash;
        }
        return found;
    }

    /// <summary>The seq of the chain's last record; 0 when it is empty.</summary>
    public async Task<long> ReadLastSeqAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long?>(new CommandDefinition("SELECT MAX(seq) FROM audit_event", cancellationToken: cancellationToken)) ?? 0;
    }

    internal const string SelectRow =
        "SELECT seq AS Seq, recorded AS Recorded, json AS Json, outcome AS Outcome, agent AS Agent, flagged AS Flagged, hash AS Hash, previous_hash AS PreviousHash FROM audit_event";

    internal static DateTimeOffset RecordedOf(AuditEvent auditEvent) =>
        auditEvent.Recorded is { } recorded ? recorded.ToUniversalTime() : throw new ArgumentException("An AuditEvent needs its recorded instant.");

    /// <summary>The outcome code (0, 4, 8, 12) as the search column keeps it; success when the event has none.</summary>
    internal static string OutcomeOf(AuditEvent auditEvent) => auditEvent.Outcome is { } outcome ? outcome.GetLiteral() : "0";

    /// <summary>The requestor's token subject: what the <c>agent</c> search matches.</summary>
    internal static string? SubjectOf(AuditEvent auditEvent) =>
        auditEvent.Agent.FirstOrDefault(a => a.Requestor == true)?.Who?.Identifier is { System: AuditCodes.SubjectSystem, Value: { } subject } ? subject : null;

    internal static bool IsFlagged(AuditEvent auditEvent) =>
        auditEvent.Meta?.Tag.Any(t => t.System == AuditCodes.FlagSystem && t.Code == AuditCodes.FlagCode) == true;

    internal static IEnumerable<string> PatientsOf(AuditEvent auditEvent) =>
        auditEvent.Entity
            .Where(e => e.Role is { System: AuditCodes.ObjectRoleSystem, Code: "1" } && e.What?.Reference is not null)
            .Select(e => e.What!.Reference!)
            .Distinct(StringComparer.Ordinal);

    private sealed class ChainHead
    {
        public long Seq { get; init; }
        public string Hash { get; init; } = "";
    }

    internal sealed class AuditRow
    {
        public long Seq { get; init; }
        public long Recorded { get; init; }
        public string Json { get; init; } = "";
        public string Outcome { get; init; } = "";
        public string? Agent { get; init; }
        public long Flagged { get; init; }
        public string Hash { get; init; } = "";
        public string PreviousHash { get; init; } = "";

        public StoredAuditEvent ToStored() =>
            new(Seq, new DateTimeOffset(Recorded, TimeSpan.Zero), Json, Outcome, Agent, Flagged != 0, Hash, PreviousHash);
    }
}
