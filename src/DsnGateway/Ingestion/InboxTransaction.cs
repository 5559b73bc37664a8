using Dapper;
using Microsoft.Data.Sqlite;

namespace DsnGateway.Ingestion;

/// <summary>
/// One write transaction of the inbox, as the writer's batch sees it. Every lookup runs inside the transaction,
/// so a message admitted earlier in the same batch is seen by a later one (a resend inside one batch is still a
/// duplicate). The statements of an admission are prepared once per transaction and reused for every message of
/// the batch (a bulk import admits thousands of rows in one transaction: preparing four statements per row cost
/// more than writing the row).
/// </summary>
internal sealed class InboxTransaction(SqliteConnection connection, SqliteTransaction transaction) : IDisposable
{
    private const string NamKeyPrefix = DsnGateway.Mapping.Identity.QuebecHealthNumber.System + "|";

    private SqliteCommand? _findExisting;
    private SqliteCommand? _insert;
    private SqliteCommand? _bindIdentity;
    private SqliteCommand? _countUnmapped;

    public Task<Admission> AdmitAsync(AcceptedMessage message, string rawSha256, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var find = _findExisting ??= Prepare("""
            SELECT id, raw_sha256, ack FROM messages
             WHERE sender_application = $app AND sender_facility = $facility AND control_id = $control
            """, "$app", "$facility", "$control");
        Bind(find, message.SenderApplication, message.SenderFacility, message.ControlId);
        using (var reader = find.ExecuteReader())
        {
            if (reader.Read())
            {
                var existingId = reader.GetInt64(0);
                return Task.FromResult<Admission>(reader.GetString(1) == rawSha256
                    ? new Admission.Duplicate(reader.GetFieldValue<byte[]>(2))
                    : new Admission.ControlIdReused(existingId));
            }
        }

        var insert = _insert ??= Prepare("""
            INSERT INTO messages (received, sender_application, sender_facility, control_id, message_type, raw, raw_sha256, ack, bundle, patient_key)
            VALUES ($received, $app, $facility, $control, $type, $raw, $sha, $ack, $bundle, $key)
            RETURNING id
            """, "$received", "$app", "$facility", "$control", "$type", "$raw", "$sha", "$ack", "$bundle", "$key");
        Bind(insert, message.Received.UtcTicks, message.SenderApplication, message.SenderFacility, message.ControlId, message.MessageType,
            Bytes(message.Raw), rawSha256, Bytes(message.Ack), message.BundleUtf8.IsEmpty ? InboxBundle.Encode(message.BundleJson) : InboxBundle.Encode(message.BundleUtf8.Span), message.PatientKey);
        var id = (long)insert.ExecuteScalar()!;
        CountUnmapped(message);
        // In the same transaction: the index never names a patient whose message was not committed. A NAM key wins
        // over an MRN key (the person is known by NAM from then on); an MRN key never replaces a NAM key.
        foreach (var identifier in message.PatientIdentifiers)
        {
            var bind = _bindIdentity ??= Prepare("""
                INSERT INTO patient_identities (identifier, patient_key) VALUES ($identifier, $key)
                ON CONFLICT (identifier) DO UPDATE SET patient_key = excluded.patient_key
                 WHERE substr(excluded.patient_key, 1, length($nam)) = $nam OR substr(patient_identities.patient_key, 1, length($nam)) <> $nam
                """, "$identifier", "$key", "$nam");
            Bind(bind, identifier, message.PatientKey, NamKeyPrefix);
            bind.ExecuteNonQuery();
        }
        return Task.FromResult<Admission>(new Admission.Committed(id));
    }

    /// <summary>
    /// Counts the message's unmapped codes with the message itself: a rolled-back batch counts nothing, and a resend
    /// (answered above, before this) never counts twice. The display is the latest the sender gave.
    /// </summary>
    private void CountUnmapped(AcceptedMessage message)
    {
        if (message.UnmappedCodes.Count == 0) return;
        foreach (var code in message.UnmappedCodes.Distinct())
        {
            var count = _countUnmapped ??= Prepare("""
                INSERT INTO unmapped_codes (establishment, kind, system, code, display, count, first_seen, last_seen)
                VALUES ($establishment, $kind, $system, $code, $display, 1, $seen, $seen)
                ON CONFLICT (establishment, kind, system, code) DO UPDATE
                   SET count = count + 1, last_seen = excluded.last_seen, display = COALESCE(excluded.display, display)
                """, "$establishment", "$kind", "$system", "$code", "$display", "$seen");
            Bind(count, code.Establishment, code.Kind.ToString(), code.System, code.Code, code.Display, message.Received.UtcTicks);
            count.ExecuteNonQuery();
        }
    }

    /// <summary>A statement of this transaction, prepared once; its parameters are set by position with <see cref="Bind"/>.</summary>
    private SqliteCommand Prepare(string sql, params string[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var name in parameters) command.Parameters.Add(new SqliteParameter { ParameterName = name });
        command.Prepare();
        return command;
    }

    private static void Bind(SqliteCommand command, params object?[] values)
    {
        for (var i = 0; i < values.Length; i++) command.Parameters[i].Value = values[i] ?? DBNull.Value;
    }

    private static byte[] Bytes(ReadOnlyMemory<byte> memory) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(memory, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : memory.ToArray();

    public void Dispose()
    {
        _findExisting?.Dispose();
        _insert?.Dispose();
        _bindIdentity?.Dispose();
        _countUnmapped?.Dispose();
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
}
