using System.Security.Cryptography;

namespace DsnGateway.Ingestion;

/// <summary>The fingerprint a resend is recognised by: SHA-256 of the exact bytes received, lower-case hex.</summary>
public static class InboxHash
{
    public static string Sha256(ReadOnlySpan<byte> raw) => Convert.ToHexStringLower(SHA256.HashData(raw));
}
