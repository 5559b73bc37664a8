using Dapper;
using DsnGateway.Sqlite.Migrations;
using DsnGateway.Storage;
using Microsoft.Data.Sqlite;

namespace DsnGateway.Ingestion;

/// <summary>
/// The durable inbox in its own SQLite file (WAL, synchronous=FULL: a committed message survives a crash, which
/// is what the ACK promises). <c>messages</c> holds accepted messages in arrival order (the AUTOINCREMENT id) with
/// their delivery state; <c>dead_letter</c> holds what an operator must look at; <c>unmapped_codes</c> counts the
/// local codes that arrived without a map (written with the message that carried them); <c>demographics_seen</c> the
/// newest source time of the unchanged demographics delivered for a stored Patient. Writes of new messages go
/// through <see cref="InboxWriter"/> (group commit); delivery bookkeeping and dead-letter administration are
/// single statements or short transactions here.
/// </summary>
internal sealed class InboxStore
{
    public const string FileName = "inbox.db";

    private readonly DurableSqliteFile _file;

    /// <param name="busyTimeout">How long a write waits for another connection's lock before failing (the caller then
    /// does not ACK); default 5 s.</param>
    public InboxStore(string databasePath, TimeSpan? busyTimeout = null)
    {
        _file = new DurableSqliteFile(databasePath, busyTimeout);
    }

    public string DatabasePath => _file.Path;

    public Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken) => _file.OpenAsync(cancellationToken);

    /// <summary>Closes this database's idle pooled connections (so the file can be moved, deleted or copied).</summary>
    public void ReleaseConnections() => _file.ReleaseConnections();

    /// <summary>
    /// inbox.db's versioned layout: the scripts of Ingestion/Migrations (ADR 0013). Script 1 rehashes the rows of a
    /// file older than the normalised resend fingerprint, through <c>inbox_fingerprint</c> (<see cref="InboxHash"/>).
    /// </summary>
    public static readonly DatabaseSchema Schema = DatabaseSchema.FromResources("inbox", typeof(InboxStore).Assembly,
        connection => connection.CreateFunction("inbox_fingerprint", (byte[] raw) => InboxHash.Sha256(raw), isDeterministic: true));

    public async Task InitializeAsync(CancellationToken cancellationToken) => await MigrateAsync(cancellationToken);

    /// <summary>Creates the file or brings it to the newest schema version, under SQLite's write lock.</summary>
    /// <exception cref="SchemaVersionException">the file is newer than this build, or not an inbox.</exception>
    public async Task<SchemaUpgrade> MigrateAsync(CancellationToken cancellationToken)
    {
        _file.EnsureDirectory();
        await using var connection = await OpenAsync(cancellationToken);
        return await Schema.MigrateAsync(connection, cancellationToken);
    }

    /// <summary>
    /// Runs one batch in one transaction (one fsync). BEGIN IMMEDIATE takes the write lock first, so what the batch
    /// reads (existing control ids) is what it writes against. When anything fails the transaction rolls back
    /// whole: no message of the batch is half-written.
    /// </summary>
    internal async Task WriteBatchAsync(Func<InboxTransaction, Task> work, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using (var pragma = connection.CreateCommand())
        {
            // The writer's page cache (per connection, kept by the pool): admissions insert at random places of the
            // control-id and identity indexes, and SQLite's default 2 MB cache made every insert read its index pages
            // again. Bounded: at most 16 MB per pooled inbox connection (64 MB measured no faster, ~70 MB more RSS).
            pragma.CommandText = "PRAGMA cache_size = -16384";
            await pragma.ExecuteNonQueryAsync(cancellationToken);
        }
        await using var transaction = connection.BeginTransaction(deferred: false);
        using (var batch = new InboxTransaction(connection, transaction)) await work(batch);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>
    /// The answer already given to this exact message, if any: the stored ACK of an accepted message, else the
    /// ACK kept with a not-yet-replayed dead letter (an AR or AE). Null when these bytes were never answered.
    /// The replay of a dead letter must not ask this (it would find the dead letter itself).
    /// </summary>
    public async Task<Admission?> FindAnsweredAsync(string senderApplication, string senderFacility, string controlId, string rawSha256,
        CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await InboxTransaction.FindAnsweredAsync(connection, null, senderApplication, senderFacility, controlId, rawSha256, cancellationToken);
    }

    /// <summary>
    /// The identity keys the committed messages bound these identifiers (<c>system|value</c>) to; identifiers never
    /// committed are absent. The index answers before delivery: a patient committed a moment ago is already known.
    /// </summary>
    public async Task<Dictionary<string, string>> FindPatientKeysAsync(IReadOnlyCollection<string> identifiers, CancellationToken cancellationToken)
    {
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        if (identifiers.Count == 0) return found;
        await using var connection = await OpenAsync(cancellationToken);
        foreach (var chunk in identifiers.Distinct().Chunk(500))
        {
            var rows = await connection.QueryAsync<(string Identifier, string PatientKey)>(new CommandDefinition(
                "SELECT identifier, patient_key FROM patient_identities WHERE identifier IN @chunk", new { chunk }, cancellationToken: cancellationToken));
            foreach (var (identifier, key) in rows) found[identifier] = key;
        }
        return found;
    }

    public async Task<StoredMessage?> GetMessageAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<MessageRow>(new CommandDefinition(
            $"{SelectMessage} WHERE id = @id", new { id }, cancellationToken: cancellationToken));
        return row?.ToStored();
    }

    /// <summary>Every stored message in arrival order (for operators and tests; not for a hot path).</summary>
    public async Task<IReadOnlyList<StoredMessage>> ListMessagesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<MessageRow>(new CommandDefinition(
            $"{SelectMessage} ORDER BY id", cancellationToken: cancellationToken));
        return rows.Select(r => r.ToStored()).ToList();
    }

    /// <summary>The first <paramref name="limit"/> pending messages in arrival order.</summary>
    public async Task<IReadOnlyList<PendingMessage>> ReadPendingAsync(int limit, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<PendingRow>(new CommandDefinition(
            "SELECT id AS Id, patient_key AS PatientKey, bundle AS BundleJson, received AS Received FROM messages WHERE state = 'pending' ORDER BY id LIMIT @limit",
            new { limit }, cancellationToken: cancellationToken));
        return rows.Select(r => new PendingMessage(r.Id, r.PatientKey, InboxBundle.Decode(r.BundleJson), new DateTimeOffset(r.Received, TimeSpan.Zero))).ToList();
    }

    /// <summary>
    /// How many messages wait for delivery (the inbox depth metric), or null when the inbox cannot say now. Synchronous:
    /// a metrics reader's callback calls it, on the reader's own thread, once per collection; the count walks the
    /// partial index of pending messages only.
    /// </summary>
    public long? CountPending()
    {
        try
        {
            using var connection = OpenAsync(CancellationToken.None).GetAwaiter().GetResult();
            return connection.ExecuteScalar<long>("SELECT count(*) FROM messages WHERE state = 'pending'");
        }
        catch (Exception ex) when (ex is SqliteException or IOException or InvalidOperationException)
        {
            return null; // no measurement rather than a wrong one
        }
    }

    public async Task MarkDeliveredAsync(long id, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE messages SET state = 'delivered', attempts = attempts + 1, last_error = NULL, delivered_at = @at WHERE id = @id AND state = 'pending'",
            new { id, at = at.UtcTicks }, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// The newest source time remembered for a stored Patient (its id in the record store), or null. A snapshot equal
    /// to what the Patient holds writes no version (no change, no version), so the Patient's own source time can be
    /// older than what the senders last said: this is what "latest wins" compares with as well (ADR 0012).
    /// </summary>
    public async Task<DateTimeOffset?> LatestDemographicsTimeAsync(string patientId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var ticks = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            "SELECT source_time FROM demographics_seen WHERE patient_id = @patientId", new { patientId }, cancellationToken: cancellationToken));
        return ticks is { } t ? new DateTimeOffset(t, TimeSpan.Zero) : null;
    }

    /// <summary>Remembers a delivered snapshot's source time for a stored Patient (the newest one is kept).</summary>
    public async Task RememberDemographicsTimeAsync(string patientId, DateTimeOffset sourceTime, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO demographics_seen (patient_id, source_time) VALUES (@patientId, @ticks)
            ON CONFLICT (patient_id) DO UPDATE SET source_time = max(source_time, excluded.source_time)
            """,
            new { patientId, ticks = sourceTime.UtcTicks }, cancellationToken: cancellationToken));
    }

    /// <summary>Counts a failed attempt that will be retried (the message stays pending).</summary>
    public async Task RecordFailedAttemptAsync(long id, string error, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE messages SET attempts = attempts + 1, last_error = @error WHERE id = @id AND state = 'pending'",
            new { id, error }, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// The record store refused the message for good: the message becomes dead and a dead letter (stage delivery)
    /// carrying its bytes and the reason is added, in one transaction. Returns the dead letter's id, or null when
    /// the message was not pending (already settled by someone else).
    /// </summary>
    public async Task<long?> MarkDeadAsync(long id, string reason, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = connection.BeginTransaction(deferred: false);
        var changed = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE messages SET state = 'dead', attempts = attempts + 1, last_error = @reason WHERE id = @id AND state = 'pending'",
            new { id, reason }, transaction, cancellationToken: cancellationToken));
        if (changed == 0) return null;
        var deadLetterId = await connection.ExecuteScalarAsync<long>(new CommandDefinition("""
            INSERT INTO dead_letter (received, sender_application, sender_facility, control_id, stage, reason, raw, raw_sha256, ack, message_id)
            SELECT received, sender_application, sender_facility, control_id, 'delivery', @reason, raw, raw_sha256, NULL, id
              FROM messages WHERE id = @id;
            SELECT last_insert_rowid();
            """, new { id, reason }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return deadLetterId;
    }

    /// <summary>The dead letters, oldest first; replayed ones only when asked.</summary>
    public async Task<IReadOnlyList<DeadLetterSummary>> ListDeadLettersAsync(bool includeReplayed = false, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<DeadLetterRow>(new CommandDefinition(
            $"{SelectDeadLetter} {(includeReplayed ? "" : "WHERE replayed = 0")} ORDER BY id", cancellationToken: cancellationToken));
        return rows.Select(r => r.ToSummary()).ToList();
    }

    public async Task<StoredDeadLetter?> GetDeadLetterAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<DeadLetterRow>(new CommandDefinition(
            $"{SelectDeadLetter} WHERE id = @id", new { id }, cancellationToken: cancellationToken));
        return row?.ToStored();
    }

    /// <summary>Marks a dead letter as dealt with; false when there is no such dead letter.</summary>
    public async Task<bool> MarkReplayedAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE dead_letter SET replayed = 1 WHERE id = @id", new { id }, cancellationToken: cancellationToken)) > 0;
    }

    /// <summary>
    /// Replays a delivery dead letter: its message (already accepted and ACKed, so re-running the intake would only
    /// answer Duplicate) goes back to pending, with a re-mapped Bundle and key when given (after a mapping fix),
    /// and the dead letter is marked replayed, in one transaction. False when the dead letter is not an
    /// unreplayed delivery one. The worker picks the message up at its next poll (or raise the signal).
    /// </summary>
    public async Task<bool> RequeueForDeliveryAsync(long deadLetterId, string? bundleJson = null, string? patientKey = null,
        CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = connection.BeginTransaction(deferred: false);
        var messageId = await connection.QuerySingleOrDefaultAsync<long?>(new CommandDefinition(
            "SELECT message_id FROM dead_letter WHERE id = @deadLetterId AND stage = 'delivery' AND replayed = 0 AND message_id IS NOT NULL",
            new { deadLetterId }, transaction, cancellationToken: cancellationToken));
        if (messageId is null) return false;
        await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE messages SET state = 'pending', last_error = NULL, delivered_at = NULL,
                   bundle = COALESCE(@bundleJson, bundle), patient_key = COALESCE(@patientKey, patient_key)
             WHERE id = @messageId AND state = 'dead';
            UPDATE dead_letter SET replayed = 1 WHERE id = @deadLetterId;
            """, new { messageId, bundleJson, patientKey, deadLetterId }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>
    /// The local codes received without a map, most seen first (optionally of one establishment): how many accepted
    /// messages carried each, with the sender's last display text and when it was first and last seen.
    /// </summary>
    public async Task<IReadOnlyList<UnmappedCodeCount>> ListUnmappedCodesAsync(string? establishment = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<UnmappedCodeRow>(new CommandDefinition("""
            SELECT establishment AS Establishment, kind AS Kind, system AS System, code AS Code, display AS Display,
                   count AS Count, first_seen AS FirstSeen, last_seen AS LastSeen
              FROM unmapped_codes
             WHERE @establishment IS NULL OR establishment = @establishment COLLATE NOCASE
             ORDER BY count DESC, establishment, kind, system, code
            """, new { establishment }, cancellationToken: cancellationToken));
        return rows.Select(r => new UnmappedCodeCount(r.Establishment, Enum.Parse<DsnGateway.Mapping.Codes.CodeKind>(r.Kind), r.System, r.Code,
            r.Display, r.Count, FromTicks(r.FirstSeen), FromTicks(r.LastSeen))).ToList();
    }

    internal static string StageName(DeadLetterStage stage) => stage switch
    {
        DeadLetterStage.Envelope => "envelope",
        DeadLetterStage.Content => "content",
        DeadLetterStage.Delivery => "delivery",
        _ => throw new ArgumentOutOfRangeException(nameof(stage)),
    };

    private static DeadLetterStage ParseStage(string stage) => stage switch
    {
        "envelope" => DeadLetterStage.Envelope,
        "content" => DeadLetterStage.Content,
        "delivery" => DeadLetterStage.Delivery,
        _ => throw new InvalidDataException($"Unknown dead-letter stage '{stage}'."),
    };

    private static InboxMessageState ParseState(string state) => state switch
    {
        "pending" => InboxMessageState.Pending,
        "delivered" => InboxMessageState.Delivered,
        "dead" => InboxMessageState.Dead,
        _ => throw new InvalidDataException($"Unknown message state '{state}'."),
    };

    private static DateTimeOffset FromTicks(long ticks) => new(ticks, TimeSpan.Zero);

    private const string SelectMessage = """
        SELECT id AS Id, received AS Received, sender_application AS SenderApplication, sender_facility AS SenderFacility,
               control_id AS ControlId, message_type AS MessageType, raw AS Raw, raw_sha256 AS RawSha256, ack AS Ack,
               bundle AS BundleJson, patient_key AS PatientKey, state AS State, attempts AS Attempts,
               last_error AS LastError, delivered_at AS DeliveredAt
          FROM messages
        """;

    private const string SelectDeadLetter = """
        SELECT id AS Id, received AS Received, sender_application AS SenderApplication, sender_facility AS SenderFacility,
               control_id AS ControlId, stage AS Stage, reason AS Reason, raw AS Raw, ack AS Ack,
               message_id AS MessageId, replayed AS Replayed
          FROM dead_letter
        """;

    private sealed class UnmappedCodeRow
    {
        public string Establishment { get; init; } = "";
        public string Kind { get; init; } = "";
        public string System { get; init; } = "";
        public string Code { get; init; } = "";
        public string? Display { get; init; }
        public long Count { get; init; }
        public long FirstSeen { get; init; }
        public long LastSeen { get; init; }
    }

    private sealed class PendingRow
    {
        public long Id { get; init; }
        public long Received { get; init; }
        public string PatientKey { get; init; } = "";
        public object BundleJson { get; init; } = "";
    }

    private sealed class MessageRow
    {
        public long Id { get; init; }
        public long Received { get; init; }
        public string SenderApplication { get; init; } = "";
        public string SenderFacility { get; init; } = "";
        public string ControlId { get; init; } = "";
        public string MessageType { get; init; } = "";
        public byte[] Raw { get; init; } = [];
        public string RawSha256 { get; init; } = "";
        public byte[] Ack { get; init; } = [];
        public object BundleJson { get; init; } = "";
        public string PatientKey { get; init; } = "";
        public string State { get; init; } = "";
        public long Attempts { get; init; }
        public string? LastError { get; init; }
        public long? DeliveredAt { get; init; }

        public StoredMessage ToStored() => new(Id, FromTicks(Received), SenderApplication, SenderFacility, ControlId, MessageType,
            Raw, RawSha256, Ack, InboxBundle.Decode(BundleJson), PatientKey, ParseState(State), (int)Attempts, LastError,
            DeliveredAt is { } at ? FromTicks(at) : null);
    }

    private sealed class DeadLetterRow
    {
        public long Id { get; init; }
        public long Received { get; init; }
        public string? SenderApplication { get; init; }
        public string? SenderFacility { get; init; }
        public string? ControlId { get; init; }
        public string Stage { get; init; } = "";
        public string Reason { get; init; } = "";
        public byte[] Raw { get; init; } = [];
        public byte[]? Ack { get; init; }
        public long? MessageId { get; init; }
        public long Replayed { get; init; }

        public DeadLetterSummary ToSummary() =>
            new(Id, FromTicks(Received), SenderApplication, SenderFacility, ControlId, ParseStage(Stage), Reason, Replayed != 0);

        public StoredDeadLetter ToStored() => new(ToSummary(), Raw, Ack, MessageId);
    }
}
