using Dapper;
using Microsoft.Data.Sqlite;

namespace DsnGateway.Ingestion;

/// <summary>
/// One write transaction of the inbox, as the writer's batch sees it. Every lookup runs inside the transaction,
/// so a message admitted earlier in the same batch is seen by a later one (a resend inside one batch is still a
/// duplicate).
/// </summary>
internal sealed class InboxTransaction(SqliteConnection connection, SqliteTransaction transaction)
{
    private const string NamKeyPrefix = DsnGateway.Mapping.Identity.QuebecHealthNumber.System + "|";

    public async Task<Admission> AdmitAsync(AcceptedMessage message, string rawSha256, CancellationToken cancellationToken)
    {
        var existing = await connection.QuerySingleOrDefaultAsync<ExistingMessage>(new CommandDefinition("""
            SELECT id AS Id, raw_sha256 AS RawSha256, ack AS Ack FROM messages
             WHERE sender_application = @SenderApplication AND sender_facility = @SenderFacility AND control_id = @ControlId
            """, new { message.SenderApplication, message.SenderFacility, message.ControlId }, transaction, cancellationToken: cancellationToken));
        if (existing is not null)
        {
            return existing.RawSha256 == rawSha256
                ? new Admission.Duplicate(existing.Ack)
                : new Admission.ControlIdReused(existing.Id);
        }

        var id = await connection.ExecuteScalarAsync<long>(new CommandDefinition("""
            INSERT INTO messages (received, sender_application, sender_facility, control_id, message_type, raw, raw_sha256, ack, bundle, patient_key)
            VALUES (@received, @SenderApplication, @SenderFacility, @ControlId, @MessageType, @raw, @rawSha256, @ack, @BundleJson, @PatientKey);
            SELECT last_insert_rowid();
            """, new
            {
                received = message.Received.UtcTicks,
                message.SenderApplication,
                message.SenderFacility,
                message.ControlId,
                message.MessageType,
                raw = message.Raw.ToArray(),
                rawSha256,
                ack = message.Ack.ToArray(),
                message.BundleJson,
                message.PatientKey,
            }, transaction, cancellationToken: cancellationToken));
        await CountUnmappedAsync(message, cancellationToken);
        // In the same transaction: the index never names a patient whose message was not committed. A NAM key wins
        // over an MRN key (the person is known by NAM from then on); an MRN key never replaces a NAM key.
        foreach (var identifier in message.PatientIdentifiers)
        {
            await connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO patient_identities (identifier, patient_key) VALUES (@identifier, @key)
                ON CONFLICT (identifier) DO UPDATE SET patient_key = excluded.patient_key
                 WHERE substr(excluded.patient_key, 1, length(@nam)) = @nam OR substr(patient_identities.patient_key, 1, length(@nam)) <> @nam
                """, new { identifier, key = message.PatientKey, nam = NamKeyPrefix }, transaction, cancellationToken: cancellationToken));
        }
        return new Admission.Committed(id);
    }

    /// <summary>
    /// Counts the message's unmapped codes with the message itself: a rolled-back batch counts nothing, and a resend
    /// (answered above, before this) never counts twice. The display is the latest the sender gave.
    /// </summary>
    private async Task CountUnmappedAsync(AcceptedMessage message, CancellationToken cancellationToken)
    {
        foreach (var code in message.UnmappedCodes.Distinct())
        {
            await connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO unmapped_codes (establishment, kind, system, code, display, count, first_seen, last_seen)
                VALUES (@Establishment, @kind, @System, @Code, @Display, 1, @seen, @seen)
                ON CONFLICT (establishment, kind, system, code) DO UPDATE
                   SET count = count + 1, last_seen = excluded.last_seen, display = COALESCE(excluded.display, display)
                """, new { code.Establishment, kind = code.Kind.ToString(), code.System, code.Code, code.Display, seen = message.Received.UtcTicks },
                transaction, cancellationToken: cancellationToken));
        }
    }

    /// <summary>
    /// Adds a dead letter of the envelope or content stage, unless the same bytes from the same sender and control
    /// id already wait as an unreplayed dead letter: then its id is returned and nothing is added, so a sender
    /// resending a rejected message never fills the operators' list.
    /// </summary>
    public async Task<long> AddDeadLetterAsync(DeadLetter deadLetter, string rawSha256, CancellationToken cancellationToken)
    {
        var parameters = new
        {
            received = deadLetter.Received.UtcTicks,
            app = deadLetter.SenderApplication,
            facility = deadLetter.SenderFacility,
            control = deadLetter.ControlId,
            stage = InboxStore.StageName(deadLetter.Stage),
            reason = deadLetter.Reason,
            raw = deadLetter.Raw.ToArray(),
            sha = rawSha256,
            ack = deadLetter.Ack?.ToArray(),
        };
        var existing = await connection.QueryFirstOrDefaultAsync<long?>(new CommandDefinition("""
            SELECT id FROM dead_letter
             WHERE sender_application IS @app AND sender_facility IS @facility AND control_id IS @control
               AND raw_sha256 = @sha AND replayed = 0 AND message_id IS NULL
             ORDER BY id LIMIT 1
            """, parameters, transaction, cancellationToken: cancellationToken));
        if (existing is { } id) return id;

        return await connection.ExecuteScalarAsync<long>(new CommandDefinition("""
            INSERT INTO dead_letter (received, sender_application, sender_facility, control_id, stage, reason, raw, raw_sha256, ack)
            VALUES (@received, @app, @facility, @control, @stage, @reason, @raw, @sha, @ack);
            SELECT last_insert_rowid();
            """, parameters, transaction, cancellationToken: cancellationToken));
    }

    /// <summary>The accepted message's ACK first (it is what the sender was last told for these bytes), else the one
    /// kept with an unreplayed dead letter.</summary>
    public static async Task<Admission?> FindAnsweredAsync(SqliteConnection connection, SqliteTransaction? transaction,
        string senderApplication, string senderFacility, string controlId, string rawSha256, CancellationToken cancellationToken)
    {
        var key = new { app = senderApplication, facility = senderFacility, control = controlId, sha = rawSha256 };
        var ack = await connection.QuerySingleOrDefaultAsync<byte[]>(new CommandDefinition("""
            SELECT ack FROM messages
             WHERE sender_application = @app AND sender_facility = @facility AND control_id = @control AND raw_sha256 = @sha
            """, key, transaction, cancellationToken: cancellationToken));
        ack ??= await connection.QueryFirstOrDefaultAsync<byte[]>(new CommandDefinition("""
            SELECT ack FROM dead_letter
             WHERE sender_application = @app AND sender_facility = @facility AND control_id = @control AND raw_sha256 = @sha
               AND ack IS NOT NULL AND replayed = 0
             ORDER BY id DESC LIMIT 1
            """, key, transaction, cancellationToken: cancellationToken));
        return ack is null ? null : new Admission.Duplicate(ack);
    }

    private sealed class ExistingMessage
    {
        public long Id { get; init; }
        public string RawSha256 { get; init; } = "";
        public byte[] Ack { get; init; } = [];
    }
}
