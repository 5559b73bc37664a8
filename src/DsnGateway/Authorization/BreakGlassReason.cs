using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace DsnGateway.Authorization;

/// <summary>
/// The text of an <c>X-Break-Glass</c> header, whatever the client could send. Clinicians write reasons in French:
/// curl and native apps send UTF-8, browsers and fetch-based clients send one Latin-1 byte per character and cannot
/// send a character beyond U+00FF (the apostrophe ’) at all, so RFC 8187's <c>UTF-8''</c> percent-encoding is the
/// portable form. Read in this order: a value starting <c>UTF-8'[language]'</c> is RFC 8187; else bytes that are
/// valid UTF-8 are UTF-8; else Latin-1. A malformed RFC 8187 value or a control character is refused (400): the
/// audit must hold what the clinician wrote, not a guess.
/// </summary>
internal static partial class BreakGlassReason
{
    private static readonly Encoding StrictUtf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Kestrel's decoding of request header values. <c>X-Break-Glass</c> is taken as Latin-1, which maps each byte
    /// to one character, so <see cref="TryRead"/> gets the bytes back and decides; Kestrel's UTF-8 turns a Latin-1
    /// byte into U+FFFD without a word. Every other header stays UTF-8.
    /// </summary>
    public static Encoding? HeaderEncoding(string headerName) =>
        headerName.Equals(FhirAccessMiddleware.BreakGlassHeader, StringComparison.OrdinalIgnoreCase) ? Encoding.Latin1 : Encoding.UTF8;

    /// <summary>The reason the header carries (trimmed; empty when none was given), or false and the problem in words (never quoting the value).</summary>
    public static bool TryRead(string header, out string reason, out string? problem)
    {
        reason = "";
        // Through Kestrel every character is one byte (HeaderEncoding). A value holding a character beyond U+00FF was
        // decoded by some other server already: it is text, there are no bytes to read again.
        var bytes = header.All(c => c <= '\u00FF') ? Encoding.Latin1.GetBytes(header) : null;
        string text;
        if (bytes is not null && Rfc8187Prefix().Match(header) is { Success: true } prefix)
        {
            if (!TryPercentDecode(header, prefix.Length, out text, out problem)) return false;
        }
        else if (bytes is not null && TryUtf8(bytes, out var utf8))
        {
            text = utf8;
        }
        else
        {
            text = header; // Latin-1, as Kestrel read it
        }

        // Checked before trimming: .NET counts NEL (U+0085, a lone 0x85 byte read as Latin-1) as white space.
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsControl(text[i]))
            {
                problem = string.Create(CultureInfo.InvariantCulture,
                    $"The X-Break-Glass reason contains a control character (U+{(int)text[i]:X4} at character {i + 1}); send the reason as text, or percent-encoded as X-Break-Glass: UTF-8''<reason>.");
                return false;
            }
        }
        reason = text.Trim();
        problem = null;
        return true;
    }

    private static bool TryPercentDecode(string header, int start, out string text, out string? problem)
    {
        text = "";
        var bytes = new List<byte>(header.Length - start);
        for (var i = start; i < header.Length; i++)
        {
            var c = header[i];
            if (c == '%')
            {
                if (i + 2 >= header.Length || !byte.TryParse(header.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value))
                {
                    problem = string.Create(CultureInfo.InvariantCulture,
                        $"The X-Break-Glass value is not valid RFC 8187: a percent sign must be followed by two hexadecimal digits (character {i + 1}).");
                    return false;
                }
                bytes.Add(value);
                i += 2;
            }
            else if (c is > ' ' and < '\u007F')
            {
                bytes.Add((byte)c);
            }
            else
            {
                problem = string.Create(CultureInfo.InvariantCulture,
                    $"The X-Break-Glass value is not valid RFC 8187: after UTF-8'' only visible ASCII characters may appear, anything else percent-encoded (character {i + 1}).");
                return false;
            }
        }
        if (!TryUtf8([.. bytes], out text))
        {
            problem = "The X-Break-Glass value is not valid RFC 8187: its percent-encoded bytes are not UTF-8.";
            return false;
        }
        problem = null;
        return true;
    }

    private static bool TryUtf8(byte[] bytes, out string text)
    {
        try
        {
            text = StrictUtf8.GetString(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            text = "";
            return false;
        }
    }

    /// <summary>RFC 8187 ext-value's charset and optional language: <c>UTF-8''</c>, <c>utf-8'fr'</c>.</summary>
    [GeneratedRegex("^UTF-8'[A-Za-z0-9-]*'", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Rfc8187Prefix();
}
