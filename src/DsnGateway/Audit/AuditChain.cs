using System.Security.Cryptography;
using System.Text;

namespace DsnGateway.Audit;

/// <summary>
/// The audit's hash chain: each record's hash is SHA-256 (hex) over the previous record's hash followed by the
/// record's canonical JSON, so changing, removing or reordering any record breaks every link after it.
/// </summary>
public static class AuditChain
{
    /// <summary>The previous hash of the first record.</summary>
    public static readonly string Genesis = new('0', 64);

    public static string Hash(string previousHash, string canonicalJson)
    {
        var bytes = Encoding.UTF8.GetBytes(previousHash + canonicalJson);
        return Convert.ToHexStringLower(SHA256.HashData(bytes));
    }

    /// <summary>Walks the whole chain in order; the first record that does not hold is the answer.</summary>
    public static async Task<AuditChainVerification> VerifyAsync(AuditStore store, CancellationToken cancellationToken)
    {
        var expectedSeq = 1L;
        var previousHash = Genesis;
        long count = 0;
        await foreach (var record in store.ReadChainAsync(cancellationToken))
        {
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
            if (reason is not null) return new AuditChainVerification(count, new AuditChainBreak(record.Seq, record.Recorded, reason));

            count++;
            expectedSeq = record.Seq + 1;
            previousHash = record.Hash;
        }
        return new AuditChainVerification(count, null);
    }
}
