using System.Text;

namespace DsnGateway.Hl7v2.Parsing;

/// <summary>
/// Decodes and encodes HL7 escape sequences for one message: its delimiters, and its character set
/// (hexadecimal escapes <c>\Xhh..\</c> carry bytes in the message's own character set).
/// Decoding never fails: an escape we do not know, or one left unterminated, stays in the text literally,
/// so a sender's oddity loses nothing and cannot crash us.
/// </summary>
public sealed class Hl7Escapes
{
    /// <summary>Bounds what a single formatting escape may expand to (<c>\.sp 99999\</c> must not allocate a megabyte).</summary>
    private const int MaxFormattingRepeat = 100;

    /// <summary>Line breaks from <c>\.br\</c> and <c>\.sp\</c>: a plain LF, the form FHIR strings and most viewers expect.</summary>
    public const string LineBreak = "\n";

    private readonly System.Text.Encoding _charset;

    public Hl7Escapes(Hl7Delimiters delimiters, System.Text.Encoding? charset = null)
    {
        Delimiters = delimiters;
        // Hex escapes are decoded strictly: bytes invalid in the set stay as the literal escape.
        var strict = (System.Text.Encoding)(charset ?? new UTF8Encoding(false)).Clone();
        strict.DecoderFallback = DecoderFallback.ExceptionFallback;
        _charset = strict;
    }

    public Hl7Delimiters Delimiters { get; }

    /// <summary>Decodes the escape sequences of one leaf value (a sub-component, or a component without any).</summary>
    public string Decode(string raw)
    {
        var esc = Delimiters.Escape;
        var first = raw.IndexOf(esc);
        if (first < 0) return raw;
        var sb = new StringBuilder(raw.Length);
        sb.Append(raw, 0, first);
        var i = first;
        while (i < raw.Length)
        {
            var c = raw[i];
            if (c != esc)
            {
                sb.Append(c);
                i++;
                continue;
            }
            var close = raw.IndexOf(esc, i + 1);
            if (close < 0)
            {
                // Unterminated: keep the rest as it came.
                sb.Append(raw, i, raw.Length - i);
                break;
            }
            var body = raw.AsSpan(i + 1, close - i - 1);
            if (!TryAppendEscape(body, sb))
            {
                // Unknown escape: keep the opening escape character and continue after it, so the body's
                // characters (and a possible following escape) are read normally.
                sb.Append(c);
                i++;
                continue;
            }
            i = close + 1;
        }
        return sb.ToString();
    }

    private bool TryAppendEscape(ReadOnlySpan<char> body, StringBuilder sb)
    {
        if (body.Length == 0) return false;
        if (body.Length == 1)
        {
            switch (body[0])
            {
                case 'F': sb.Append(Delimiters.Field); return true;
                case 'S': sb.Append(Delimiters.Component); return true;
                case 'T': sb.Append(Delimiters.SubComponent); return true;
                case 'R': sb.Append(Delimiters.Repetition); return true;
                case 'E': sb.Append(Delimiters.Escape); return true;
                case 'P' when Delimiters.Truncation is { } t: sb.Append(t); return true;
                // Highlighting on / off: no meaning in plain text.
                case 'H' or 'N': return true;
            }
        }
        switch (body[0])
        {
            case 'X': return TryAppendHex(body[1..], sb);
            case '.': return TryAppendFormatting(body[1..], sb);
            // Character set switches (ISO 2022 style): we decode the whole message in one set, so drop them.
            case 'C' or 'M' when body.Length > 1 && IsHex(body[1..]): return true;
            default: return false;
        }
    }

    private bool TryAppendHex(ReadOnlySpan<char> hex, StringBuilder sb)
    {
        if (hex.Length == 0 || hex.Length % 2 != 0 || !IsHex(hex)) return false;
        var bytes = Convert.FromHexString(hex);
        try
        {
            sb.Append(_charset.GetString(bytes));
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    private static bool TryAppendFormatting(ReadOnlySpan<char> command, StringBuilder sb)
    {
        // Formatted text (FT) commands: .br .sp <n> .fi .nf .in <n> .ti <n> .sk <n> .ce
        if (command.Length < 2) return false;
        var name = command[..2];
        var argument = command[2..].Trim();
        int count = 1;
        if (argument.Length > 0)
        {
            var sign = argument[0] is '+' or '-' ? 1 : 0;
            if (!int.TryParse(argument[sign..], out count)) return false;
        }
        count = Math.Clamp(count, 0, MaxFormattingRepeat);
        switch (name)
        {
            case "br" when argument.Length == 0: sb.Append(LineBreak); return true;
            case "sp": sb.Insert(sb.Length, LineBreak, count); return true;
            case "sk": sb.Append(' ', count); return true;
            case "ce": sb.Append(LineBreak); return true;
            // Fill mode and indentation only shape the display; the text itself is unchanged.
            case "fi" or "nf" when argument.Length == 0: return true;
            case "in" or "ti": return true;
            default: return false;
        }
    }

    private static bool IsHex(ReadOnlySpan<char> s)
    {
        foreach (var c in s) if (!char.IsAsciiHexDigit(c)) return false;
        return true;
    }

    /// <summary>Escapes every delimiter character of a value, so it travels as one leaf.</summary>
    public string Encode(string value)
    {
        var d = Delimiters;
        var needs = false;
        foreach (var c in value)
        {
            if (d.IsDelimiter(c) || c is '\r' or '\n') { needs = true; break; }
        }
        if (!needs) return value;
        var sb = new StringBuilder(value.Length + 8);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == d.Escape) AppendEscape(sb, 'E');
            else if (c == d.Field) AppendEscape(sb, 'F');
            else if (c == d.Component) AppendEscape(sb, 'S');
            else if (c == d.SubComponent) AppendEscape(sb, 'T');
            else if (c == d.Repetition) AppendEscape(sb, 'R');
            else if (d.Truncation is { } t && c == t) AppendEscape(sb, 'P');
            // A raw CR or LF would end the segment. Hex escapes (not \.br\) keep the exact characters, so
            // every value survives the round trip; the bytes 0D and 0A are the same in every set we accept.
            else if (c == '\r') sb.Append(d.Escape).Append("X0D").Append(d.Escape);
            else if (c == '\n') sb.Append(d.Escape).Append("X0A").Append(d.Escape);
            else sb.Append(c);
        }
        return sb.ToString();
    }

    private void AppendEscape(StringBuilder sb, char code) => sb.Append(Delimiters.Escape).Append(code).Append(Delimiters.Escape);
}
