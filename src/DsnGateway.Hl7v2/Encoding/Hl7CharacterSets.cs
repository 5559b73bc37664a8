using System.Text;
using DsnGateway.Hl7v2.Parsing;

namespace DsnGateway.Hl7v2.Encoding;

/// <summary>
/// Bytes to text by MSH-18 (HL7 table 0211). MSH-18 is read from the raw bytes first: everything up to it
/// is ASCII in every set we accept, so no decoding is needed to find out how to decode.
/// </summary>
public static class Hl7CharacterSets
{
    /// <summary>The sender default when none is configured: UTF-8 (DESIGN.md).</summary>
    public static System.Text.Encoding DefaultSenderCharset { get; } = Strict(new UTF8Encoding(false));

    /// <summary>Table 0211 names we decode, with their aliases. UTF-16/32 and the Asian sets are not ASCII-compatible and are refused.</summary>
    private static readonly Dictionary<string, Func<System.Text.Encoding?>> Known = new(StringComparer.OrdinalIgnoreCase)
    {
        ["ASCII"] = () => System.Text.Encoding.ASCII,
        ["ISO IR6"] = () => System.Text.Encoding.ASCII,
        ["8859/1"] = () => System.Text.Encoding.Latin1,
        ["ISO IR100"] = () => System.Text.Encoding.Latin1,
        ["8859/2"] = () => CodePage(28592),
        ["8859/3"] = () => CodePage(28593),
        ["8859/4"] = () => CodePage(28594),
        ["8859/5"] = () => CodePage(28595),
        ["8859/6"] = () => CodePage(28596),
        ["8859/7"] = () => CodePage(28597),
        ["8859/8"] = () => CodePage(28598),
        ["8859/9"] = () => CodePage(28599),
        ["8859/15"] = () => CodePage(28605) ?? Iso885915.Instance,
        ["UNICODE UTF-8"] = () => new UTF8Encoding(false),
        ["ISO IR192"] = () => new UTF8Encoding(false),
    };

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, System.Text.Encoding?> Resolved = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The character set a name from MSH-18 stands for, decoding strictly (invalid bytes throw, so they can be
    /// reported); null when the name is not one we know. Empty means the sender's default.
    /// </summary>
    public static System.Text.Encoding? Resolve(string? name, System.Text.Encoding? senderDefault = null)
    {
        var key = (name ?? "").Trim();
        if (key.Length == 0) return Strict(senderDefault ?? DefaultSenderCharset);
        return Resolved.GetOrAdd(key, k => Known.TryGetValue(k, out var make) && make() is { } e ? Strict(e) : null);
    }

    /// <summary>Whether MSH-18 names a set we decode (empty counts: it means the sender's default).</summary>
    public static bool IsKnown(string? name) => Resolve(name) is not null;

    /// <summary>
    /// MSH-18 (first repetition, first component) read from raw bytes, or "" when absent. Null when the
    /// bytes do not start with an MSH segment whose delimiters can be read.
    /// </summary>
    public static string? ReadMsh18(ReadOnlySpan<byte> bytes)
    {
        bytes = SkipBomAndBlank(bytes);
        if (bytes.Length < 8 || bytes[0] != (byte)'M' || bytes[1] != (byte)'S' || bytes[2] != (byte)'H') return null;
        var fieldSeparator = bytes[3];
        var component = bytes[4];
        var repetition = bytes[5];
        var line = bytes[4..];
        var end = line.IndexOfAny((byte)'\r', (byte)'\n');
        if (end >= 0) line = line[..end];
        // Position 4 starts MSH-2; each separator after it moves one field on. MSH-18 follows the 17th.
        var field = 2;
        var start = 0;
        for (var i = 0; i < line.Length && field < 18; i++)
        {
            if (line[i] == fieldSeparator)
            {
                field++;
                start = i + 1;
            }
        }
        if (field < 18) return "";
        var value = line[start..];
        var stop = value.IndexOfAny(fieldSeparator, component, repetition);
        if (stop >= 0) value = value[..stop];
        foreach (var b in value)
        {
            // A non-ASCII name cannot be in table 0211; keep it visible in the error message all the same.
            if (b > 0x7F) return System.Text.Encoding.Latin1.GetString(value);
        }
        return System.Text.Encoding.ASCII.GetString(value);
    }

    /// <summary>
    /// Decodes a message's bytes by its MSH-18. A leading UTF-8 byte order mark is dropped whatever the set.
    /// </summary>
    public static Hl7DecodeResult Decode(ReadOnlySpan<byte> bytes, System.Text.Encoding? senderDefault = null)
    {
        bytes = Hl7FramingNoise.SkipByteOrderMark(bytes);
        var name = ReadMsh18(bytes) ?? "";
        var charset = Resolve(name, senderDefault);
        if (charset is null)
        {
            return Hl7DecodeResult.Failure(new Hl7ParseError(Hl7ParseErrorKind.UnknownCharacterSet, Hl7ErrorCodes.DataTypeError,
                $"Unknown character set '{name}' in MSH-18 (expected a table 0211 name such as ASCII, 8859/1, 8859/15 or UNICODE UTF-8).",
                new Hl7ErrorLocation("MSH", 1, 18)), name, LenientText(bytes));
        }
        try
        {
            return Hl7DecodeResult.Success(charset.GetString(bytes), charset, name);
        }
        catch (DecoderFallbackException ex)
        {
            var offset = ex.Index >= 0 ? $" at byte {ex.Index}" : "";
            var shown = ex.BytesUnknown is { Length: > 0 } unknown ? $" (0x{Convert.ToHexString(unknown)})" : "";
            var declared = name.Length == 0 ? $"the sender's default character set ({charset.WebName})" : $"character set '{name}' (MSH-18)";
            return Hl7DecodeResult.Failure(new Hl7ParseError(Hl7ParseErrorKind.InvalidBytes, Hl7ErrorCodes.DataTypeError,
                $"The message contains bytes that are not valid in {declared}{offset}{shown}.",
                new Hl7ErrorLocation("MSH", 1, 18)), name, LenientText(bytes));
        }
    }

    /// <summary>Text any bytes map to (Latin-1 maps every byte), so a rejected message's MSH can still be read for the ACK.</summary>
    public static string LenientText(ReadOnlySpan<byte> bytes) => System.Text.Encoding.Latin1.GetString(bytes);

    private static ReadOnlySpan<byte> SkipBomAndBlank(ReadOnlySpan<byte> bytes)
    {
        bytes = Hl7FramingNoise.SkipByteOrderMark(bytes);
        var i = 0;
        while (i < bytes.Length && bytes[i] is (byte)'\r' or (byte)'\n' or (byte)' ' or (byte)'\t') i++;
        return bytes[i..];
    }

    private static System.Text.Encoding? CodePage(int codePage)
    {
        try
        {
            // The provider ships with .NET; asking it directly avoids registering it process-wide.
            return CodePagesEncodingProvider.Instance.GetEncoding(codePage);
        }
        catch (Exception ex) when (ex is NotSupportedException or ArgumentException)
        {
            return null;
        }
    }

    private static System.Text.Encoding Strict(System.Text.Encoding e)
    {
        if (e.DecoderFallback is DecoderExceptionFallback && e.EncoderFallback is EncoderExceptionFallback) return e;
        var copy = (System.Text.Encoding)e.Clone();
        copy.DecoderFallback = DecoderFallback.ExceptionFallback;
        copy.EncoderFallback = EncoderFallback.ExceptionFallback;
        return copy;
    }
}

/// <summary>Decoded text and the set it was decoded with, or the error; <see cref="LenientText"/> lets a rejected message's header still be read.</summary>
public sealed record Hl7DecodeResult(string? Text, System.Text.Encoding? Charset, string Msh18, Hl7ParseError? Error, string? LenientText)
{
    public bool IsSuccess => Error is null;

    public static Hl7DecodeResult Success(string text, System.Text.Encoding charset, string msh18) => new(text, charset, msh18, null, null);

    public static Hl7DecodeResult Failure(Hl7ParseError error, string msh18, string lenientText) => new(null, null, msh18, error, lenientText);
}
