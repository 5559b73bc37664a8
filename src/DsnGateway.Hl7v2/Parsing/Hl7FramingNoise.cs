namespace DsnGateway.Hl7v2.Parsing;

/// <summary>
/// What senders put around a message's segments without changing the message: a UTF-8 byte order mark before MSH
/// (files saved by Windows editors, some HTTP clients), their choice of segment terminator (CR as the standard says,
/// LF or CRLF from files and some libraries) and terminators after the last segment (node-hl7-client's plain retry
/// drops the final CR its first attempt sent). Defined once, here: the envelope read, the parse and the resend
/// check of the inbox all go through it, so they never disagree on what the message is.
/// </summary>
public static class Hl7FramingNoise
{
    /// <summary>EF BB BF: the UTF-8 encoding of U+FEFF.</summary>
    public static ReadOnlySpan<byte> ByteOrderMark => [0xEF, 0xBB, 0xBF];

    /// <summary>The bytes after a leading UTF-8 byte order mark (all of them when there is none).</summary>
    public static ReadOnlySpan<byte> SkipByteOrderMark(ReadOnlySpan<byte> bytes) =>
        bytes.StartsWith(ByteOrderMark) ? bytes[ByteOrderMark.Length..] : bytes;

    /// <summary>
    /// The message with its framing noise taken out: a leading byte order mark removed; CR, LF and CRLF each written
    /// as one CR; the terminators after the last segment trimmed. Two messages equal once normalised are the same
    /// message (a resend). Every set we accept is ASCII-compatible, so CR and LF bytes are never part of a character.
    /// </summary>
    public static byte[] Normalize(ReadOnlySpan<byte> bytes)
    {
        bytes = SkipByteOrderMark(bytes);
        var normalized = new byte[bytes.Length];
        var length = 0;
        for (var i = 0; i < bytes.Length; i++)
        {
            switch (bytes[i])
            {
                case (byte)'\r':
                    normalized[length++] = (byte)'\r';
                    if (i + 1 < bytes.Length && bytes[i + 1] == (byte)'\n') i++;
                    break;
                case (byte)'\n':
                    normalized[length++] = (byte)'\r';
                    break;
                default:
                    normalized[length++] = bytes[i];
                    break;
            }
        }
        while (length > 0 && normalized[length - 1] == (byte)'\r') length--;
        return normalized[..length];
    }
}
