using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using DsnGateway.Fhir.Serialization;
using Hl7.Fhir.Model;

namespace DsnGateway.Audit;

/// <summary>
/// The audit's hash chain: each record's hash is SHA-256 (hex) over the previous record's hash followed by the
/// record's canonical JSON, so changing, removing or reordering any record breaks every link after it.
/// </summary>
internal static class AuditChain
{
    /// <summary>The previous hash of the first record.</summary>
    public static readonly string Genesis = new('0', 64);

    public static string Hash(string previousHash, string canonicalJson)
    {
        var bytes = Encoding.UTF8.GetBytes(previousHash + canonicalJson);
        return Convert.ToHexStringLower(SHA256.HashData(bytes));
    }

    /// <summary>The same hash from the JSON's UTF-8 bytes, as the writer has them (no string built to be hashed).</summary>
    public static string Hash(string previousHash, ReadOnlySpan<byte> canonicalJsonUtf8)
    {
        // previousHash is a hex digest (ASCII), so its UTF-8 bytes followed by the JSON's are what Hash(string, string) hashes.
        var length = previousHash.Length + canonicalJsonUtf8.Length;
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var written = Encoding.ASCII.GetBytes(previousHash, rented);
            canonicalJsonUtf8.CopyTo(rented.AsSpan(written));
            Span<byte> digest = stackalloc byte[32];
            SHA256.HashData(rented.AsSpan(0, written + canonicalJsonUtf8.Length), digest);
            return Convert.ToHexStringLower(digest);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Walks the whole chain in order; the first record that does not hold is the answer.</summary>
    public static async Task<AuditChainVerification> VerifyAsync(AuditStore store, CancellationToken cancellationToken)
    {
        var expectedSeq = 1L;
        var previousHash = Genesis;
        long count = 0;
        await using var index = store.ReadPatientIndexAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        var indexed = await index.MoveNextAsync();
        await foreach (var record in store.ReadChainAsync(cancellationToken))
        {
            // The patient index rows of this record (and any orphan before it), walked alongside the chain.
            var patients = new List<string>();
            var orphan = false;
            while (indexed && index.Current.Seq <= record.Seq)
            {
                if (index.Current.Seq == record.Seq) patients.Add(index.Current.Patient);
                else orphan = true;
                indexed = await index.MoveNextAsync();
            }

            string? reason = null;
            if (record.Seq != expectedSeq)
            {
                reason = record.Seq > expectedSeq
                    ? expectedSeq == record.Seq - 1
                        ? $"gap in the chain: record {expectedSeq} is missing"
                        : $"gap in the chain: records {expectedSeq} to {record.Seq - 1} are missing"
                    : $"sequence out of order: expected {expectedSeq}";
            }
            else if (record.Hash != Hash(record.PreviousHash, record.Json))
            {
                reason = "content hash mismatch: the record was changed after it was written";
            }
            else if (record.PreviousHash != previousHash)
            {
                reason = "previous-hash link broken: the record does not follow the one before it";
            }
            else
            {
                reason = orphan ? "the patient index names a record that is not in the chain" : IndexMismatch(record, patients);
            }
            if (reason is not null) return new AuditChainVerification(count, new AuditChainBreak(record.Seq, record.Recorded, reason));

            count++;
            expectedSeq = record.Seq + 1;
            previousHash = record.Hash;
        }
        if (indexed) return new AuditChainVerification(count, new AuditChainBreak(index.Current.Seq, null, "the patient index names a record that is not in the chain (records at the end were removed)"));
        return new AuditChainVerification(count, null);
    }

    /// <summary>
    /// The columns and the patient index that search reads sit outside the hash; they must say what the hashed
    /// JSON says, or a cleared flag or a deleted index row could hide an access from the privacy officers.
    /// </summary>
    private static string? IndexMismatch(StoredAuditEvent record, List<string> indexedPatients)
    {
        AuditEvent auditEvent;
        try
        {
            auditEvent = FhirJson.Parse<AuditEvent>(record.Json);
        }
        catch (FhirParseException)
        {
            return "the stored JSON is not an AuditEvent";
        }
        if (auditEvent.Id != record.Seq.ToString(CultureInfo.InvariantCulture)) return "the AuditEvent's id is not its seq";
        if (auditEvent.Recorded is not { } recorded || recorded.UtcTicks != record.Recorded.UtcTicks)
            return "search column recorded disagrees with the record";
        if (AuditStore.OutcomeOf(auditEvent) != record.Outcome) return "search column outcome disagrees with the record";
        if (AuditStore.SubjectOf(auditEvent) != record.Agent) return "search column agent disagrees with the record";
        if (AuditStore.IsFlagged(auditEvent) != record.Flagged) return "search column flagged disagrees with the record";
        if (!AuditStore.PatientsOf(auditEvent).Order(StringComparer.Ordinal).SequenceEqual(indexedPatients.Order(StringComparer.Ordinal)))
            return "the patient index disagrees with the patients the record names";
        return null;
    }
}
