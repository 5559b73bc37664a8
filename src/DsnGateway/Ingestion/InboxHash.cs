using System.Security.Cryptography;
using DsnGateway.Hl7v2.Parsing;

namespace DsnGateway.Ingestion;

/// <summary>
/// The fingerprint a resend is recognised by: SHA-256 of the message once its framing noise is taken out
/// (<see cref="Hl7FramingNoise.Normalize"/>: a leading byte order mark, CR/LF/CRLF, trailing terminators), lower-case
/// hex. So a retry that differs only in framing noise is the same message, and gets the stored ACK. Rows hashed
/// from the exact bytes before this rule are hashed again once, by the inbox's schema migration 1 (<see cref="InboxStore.Schema"/>).
/// </summary>
internal static class InboxHash
{
    public static string Sha256(ReadOnlySpan<byte> raw) => Convert.ToHexStringLower(SHA256.HashData(Hl7FramingNoise.Normalize(raw)));
}
