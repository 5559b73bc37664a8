using System.Globalization;
using System.Text;

namespace DsnGateway.Audit;

/// <summary>
/// A signed statement "the audit chain had <paramref name="HeadHash"/> as the hash of record <paramref name="Seq"/> at
/// <paramref name="Created"/>". Kept beside the chain in audit.db (not inside it) and its head written to the log
/// stream: a chain rewritten or cut after it no longer has that head (docs/arch/0014).
/// </summary>
internal sealed record AuditCheckpoint(long Seq, string HeadHash, DateTimeOffset Created, string KeyId, string Signature)
{
    /// <summary>
    /// The bytes the signature covers: a version tag and every field but the signature, one per line, so no field
    /// can be moved into another (the time as UTC ticks, as stored).
    /// </summary>
    public byte[] SignedBytes() => SignedBytes(Seq, HeadHash, Created, KeyId);

    internal static byte[] SignedBytes(long seq, string headHash, DateTimeOffset created, string keyId) =>
        Encoding.UTF8.GetBytes(string.Join('\n', "dsn-audit-checkpoint-v1", seq.ToString(CultureInfo.InvariantCulture), headHash,
            created.UtcTicks.ToString(CultureInfo.InvariantCulture), keyId));
}
