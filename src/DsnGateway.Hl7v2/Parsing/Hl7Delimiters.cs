namespace DsnGateway.Hl7v2.Parsing;

/// <summary>
/// The separators a message declares for itself in MSH-1 and MSH-2. They are read from every message,
/// never assumed: senders may legally pick other characters than <c>|^~\&amp;</c>.
/// </summary>
public sealed record Hl7Delimiters(char Field, char Component, char Repetition, char Escape, char SubComponent, char? Truncation = null)
{
    /// <summary>The delimiters nearly every sender uses, and the ones we write when nothing else is known.</summary>
    public static Hl7Delimiters Default { get; } = new('|', '^', '~', '\\', '&');

    /// <summary>MSH-2 as it must be written for these delimiters.</summary>
    public string EncodingCharacters =>
        Truncation is { } t ? $"{Component}{Repetition}{Escape}{SubComponent}{t}" : $"{Component}{Repetition}{Escape}{SubComponent}";

    /// <summary>
    /// Reads the delimiters from the start of a header segment (MSH, BHS or FHS): the character after the
    /// segment name is the field separator, then the encoding characters run to the next field separator.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<char> header, out Hl7Delimiters delimiters, out string? problem)
    {
        delimiters = Default;
        if (header.Length < 4)
        {
            problem = "The header segment is too short to declare its delimiters.";
            return false;
        }
        var field = header[3];
        var rest = header[4..];
        var end = rest.IndexOf(field);
        var lineEnd = rest.IndexOfAny('\r', '\n');
        if (end < 0 || (lineEnd >= 0 && lineEnd < end)) end = lineEnd < 0 ? rest.Length : lineEnd;
        var encoding = rest[..end];
        if (encoding.Length < 4 || encoding.Length > 5)
        {
            problem = $"MSH-2 must hold 4 encoding characters (5 with the truncation character), found {encoding.Length}.";
            return false;
        }
        Span<char> all = stackalloc char[6];
        all[0] = field;
        encoding.CopyTo(all[1..]);
        var used = all[..(encoding.Length + 1)];
        for (var i = 0; i < used.Length; i++)
        {
            var c = used[i];
            if (char.IsLetterOrDigit(c) || char.IsWhiteSpace(c) || char.IsControl(c))
            {
                problem = $"Delimiter '{Printable(c)}' is not allowed (letters, digits, spaces and control characters cannot delimit).";
                return false;
            }
            if (used[(i + 1)..].Contains(c))
            {
                problem = $"Delimiter '{Printable(c)}' is declared twice in MSH-1/MSH-2.";
                return false;
            }
        }
        delimiters = new Hl7Delimiters(field, encoding[0], encoding[1], encoding[2], encoding[3], encoding.Length == 5 ? encoding[4] : null);
        problem = null;
        return true;
    }

    internal bool IsDelimiter(char c) =>
        c == Field || c == Component || c == Repetition || c == Escape || c == SubComponent || (Truncation is { } t && c == t);

    private static string Printable(char c) => char.IsControl(c) ? $"\\u{(int)c:X4}" : c.ToString();
}
