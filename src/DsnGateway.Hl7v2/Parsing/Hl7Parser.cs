using DsnGateway.Hl7v2.Encoding;
using DsnGateway.Hl7v2.Segments;

namespace DsnGateway.Hl7v2.Parsing;

/// <summary>
/// Reads one ER7 message. Never throws on input: every failure is a structured <see cref="Hl7ParseError"/>.
/// Segment terminators may be CR, LF or CRLF; blank lines and a leading byte order mark are ignored.
/// </summary>
public static class Hl7Parser
{
    /// <summary>Parses raw bytes, decoding them by MSH-18 (or the sender's default when MSH-18 is empty).</summary>
    public static Hl7ParseResult Parse(ReadOnlySpan<byte> bytes, Hl7ParserOptions? options = null)
    {
        options ??= Hl7ParserOptions.Default;
        if (bytes.Length > options.MaxMessageBytes) return TooLarge(bytes.Length, options, ReadEnvelope(bytes[..Math.Min(bytes.Length, 64 * 1024)]));
        var decoded = Hl7CharacterSets.Decode(bytes, options.DefaultCharacterSet);
        if (!decoded.IsSuccess) return Hl7ParseResult.Failure(decoded.Error!, EnvelopeOf(decoded.LenientText!));
        return ParseText(decoded.Text!, decoded.Charset!, options);
    }

    /// <summary>
    /// Parses text that was already decoded (an HTTP body read as a string, a test literal). MSH-18 must
    /// still name a known set; hexadecimal escapes are read in it.
    /// </summary>
    public static Hl7ParseResult Parse(string text, Hl7ParserOptions? options = null)
    {
        options ??= Hl7ParserOptions.Default;
        text ??= "";
        // Characters never take fewer bytes than one each in our sets, so this bound is safe before encoding.
        if (text.Length > options.MaxMessageBytes) return TooLarge(text.Length, options, EnvelopeOf(text[..Math.Min(text.Length, 64 * 1024)]));
        var envelope = EnvelopeOf(text);
        var name = envelope?.CharacterSet ?? "";
        var charset = Hl7CharacterSets.Resolve(name, options.DefaultCharacterSet);
        if (charset is null)
        {
            return Hl7ParseResult.Failure(new Hl7ParseError(Hl7ParseErrorKind.UnknownCharacterSet, Hl7ErrorCodes.DataTypeError,
                $"Unknown character set '{name}' in MSH-18.", new Hl7ErrorLocation("MSH", 1, 18)), envelope);
        }
        return ParseText(text, charset, options);
    }

    /// <summary>
    /// Reads only the header from the start of a message (say the first bytes of an oversized MLLP frame), as
    /// leniently as possible, so the caller can still address an ACK. Null when no MSH can be read. A leading byte
    /// order mark is skipped as the parse skips it: read as Latin-1 it would hide the MSH (and with it the sender).
    /// </summary>
    public static Msh? ReadEnvelope(ReadOnlySpan<byte> start) => EnvelopeOf(Hl7CharacterSets.LenientText(Hl7FramingNoise.SkipByteOrderMark(start)));

    private static Msh? EnvelopeOf(string text)
    {
        var span = Trim(text.AsSpan());
        if (!span.StartsWith("MSH") || !Hl7Delimiters.TryRead(span, out var delimiters, out _)) return null;
        var end = span.IndexOfAny('\r', '\n');
        var line = (end < 0 ? span : span[..end]).ToString();
        var fields = SplitFields(line, delimiters, int.MaxValue, int.MaxValue, out _);
        return fields is null ? null : new Msh(new Segment(line, fields, new Hl7Escapes(delimiters)));
    }

    private static Hl7ParseResult ParseText(string text, System.Text.Encoding charset, Hl7ParserOptions options)
    {
        var span = Trim(text.AsSpan());
        if (span.IsEmpty) return Fail(Hl7ParseErrorKind.Empty, Hl7ErrorCodes.SegmentSequenceError, "The message is empty.", null);
        if (!span.StartsWith("MSH"))
        {
            var what = span.StartsWith("FHS") || span.StartsWith("BHS") ? " (this is a batch: split it into messages first)" : "";
            return Fail(Hl7ParseErrorKind.MissingHeader, Hl7ErrorCodes.SegmentSequenceError,
                $"The message does not start with an MSH segment{what}.", new Hl7ErrorLocation("MSH", 1));
        }
        if (!Hl7Delimiters.TryRead(span, out var delimiters, out var problem))
            return Fail(Hl7ParseErrorKind.InvalidDelimiters, Hl7ErrorCodes.DataTypeError, problem!, new Hl7ErrorLocation("MSH", 1, 2));

        var escapes = new Hl7Escapes(delimiters, charset);
        var segments = new List<Segment>();
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        Msh? header = null;
        foreach (var range in Lines(span))
        {
            var line = span[range];
            if (line.IsWhiteSpace()) continue;
            if (segments.Count >= options.MaxSegments)
                return Fail(Hl7ParseErrorKind.TooManySegments, Hl7ErrorCodes.DataTypeError, $"The message has more than {options.MaxSegments} segments.", null, header);
            var raw = line.ToString();
            var fields = SplitFields(raw, delimiters, options.MaxFieldsPerSegment, options.MaxRepetitionsPerField, out var overflow);
            var name = fields?[0] ?? raw[..Math.Min(3, raw.Length)];
            counts[name] = counts.GetValueOrDefault(name) + 1;
            var location = new Hl7ErrorLocation(Printable(name), counts[name], overflow?.Field);
            if (fields is null)
            {
                return overflow!.Value.Kind == Hl7ParseErrorKind.TooManyFields
                    ? Fail(Hl7ParseErrorKind.TooManyFields, Hl7ErrorCodes.DataTypeError, $"Segment {Printable(name)} has more than {options.MaxFieldsPerSegment} fields.", location, header)
                    : Fail(Hl7ParseErrorKind.TooManyRepetitions, Hl7ErrorCodes.DataTypeError, $"Field {Printable(name)}-{overflow.Value.Field} has more than {options.MaxRepetitionsPerField} repetitions.", location, header);
            }
            if (!IsSegmentName(name))
            {
                // The line's position (MSH is 1, blank lines not counted) goes in ERR-2.2, as it has no segment name of
                // its own for ERR-2.1. Its text is not quoted back: free text is where patient names turn up.
                var position = segments.Count + 1;
                return Fail(Hl7ParseErrorKind.MalformedSegment, Hl7ErrorCodes.SegmentSequenceError,
                    $"Line {position} of the message is not a segment: it does not start with a three-character segment name followed by the field separator '{delimiters.Field}'.",
                    new Hl7ErrorLocation("", position), header);
            }
            if (name == "MSH" && segments.Count > 0)
            {
                return Fail(Hl7ParseErrorKind.MultipleMessages, Hl7ErrorCodes.SegmentSequenceError,
                    "A second MSH segment was found: this holds more than one message.", new Hl7ErrorLocation("MSH", counts[name]), header);
            }
            var segment = new Segment(raw, fields, escapes);
            if (segments.Count == 0) header = new Msh(segment);
            segments.Add(segment);
        }
        return Hl7ParseResult.Success(new Hl7Message(segments, delimiters, charset, escapes));
    }

    private readonly record struct Overflow(Hl7ParseErrorKind Kind, int Field);

    /// <summary>
    /// Splits a segment into its fields (index = HL7 position; for MSH, MSH-1 is inserted so MSH-n sits at n).
    /// Counts fields and repetitions on the way, refusing before allocating past the ceilings.
    /// </summary>
    private static string[]? SplitFields(string raw, Hl7Delimiters d, int maxFields, int maxRepetitions, out Overflow? overflow)
    {
        overflow = null;
        var isHeader = raw.Length >= 3 && (raw.StartsWith("MSH", StringComparison.Ordinal) || raw.StartsWith("BHS", StringComparison.Ordinal) || raw.StartsWith("FHS", StringComparison.Ordinal))
            && raw.Length > 3 && raw[3] == d.Field;
        var separators = raw.AsSpan().Count(d.Field);
        if (separators + (isHeader ? 1 : 0) > maxFields)
        {
            overflow = new Overflow(Hl7ParseErrorKind.TooManyFields, maxFields + 1);
            return null;
        }
        var fields = new string[separators + 1 + (isHeader ? 1 : 0)];
        var index = 0;
        var start = 0;
        var repetitions = 1;
        for (var i = 0; i <= raw.Length; i++)
        {
            if (i == raw.Length || raw[i] == d.Field)
            {
                fields[index++] = raw[start..i];
                if (isHeader && index == 1)
                {
                    fields[index++] = d.Field.ToString();
                    // MSH-2 holds the repetition character itself: skip over it without counting.
                    var msh2End = raw.IndexOf(d.Field, i + 1);
                    if (msh2End < 0) msh2End = raw.Length;
                    fields[index++] = raw[(i + 1)..msh2End];
                    i = msh2End;
                    start = msh2End + 1;
                    if (i == raw.Length) break;
                    continue;
                }
                start = i + 1;
                repetitions = 1;
            }
            else if (raw[i] == d.Repetition && ++repetitions > maxRepetitions)
            {
                overflow = new Overflow(Hl7ParseErrorKind.TooManyRepetitions, isHeader ? index : index);
                return null;
            }
        }
        if (index < fields.Length) Array.Resize(ref fields, index);
        return fields;
    }

    /// <summary>Line ranges split on CR, LF or CRLF (empty ranges included; the caller skips blank lines).</summary>
    private static List<Range> Lines(ReadOnlySpan<char> text)
    {
        var ranges = new List<Range>();
        var start = 0;
        while (start <= text.Length)
        {
            var rest = text[start..];
            var end = rest.IndexOfAny('\r', '\n');
            if (end < 0)
            {
                if (rest.Length > 0) ranges.Add(new Range(start, text.Length));
                break;
            }
            ranges.Add(new Range(start, start + end));
            start += end + 1;
        }
        return ranges;
    }

    private static ReadOnlySpan<char> Trim(ReadOnlySpan<char> s)
    {
        if (s.Length > 0 && s[0] == '\uFEFF') s = s[1..];
        return s.TrimStart("\r\n\t ");
    }

    private static bool IsSegmentName(string name) =>
        name.Length == 3 && char.IsAsciiLetterUpper(name[0]) && (char.IsAsciiLetterUpper(name[1]) || char.IsAsciiDigit(name[1]))
        && (char.IsAsciiLetterUpper(name[2]) || char.IsAsciiDigit(name[2]));

    private static string Printable(string s) => string.Concat(s.Select(c => char.IsControl(c) ? $"\\u{(int)c:X4}" : c.ToString()));

    private static Hl7ParseResult TooLarge(int length, Hl7ParserOptions options, Msh? envelope) =>
        Hl7ParseResult.Failure(new Hl7ParseError(Hl7ParseErrorKind.TooLarge, Hl7ErrorCodes.DataTypeError,
            $"The message is {length} bytes, over the {options.MaxMessageBytes}-byte ceiling."), envelope);

    private static Hl7ParseResult Fail(Hl7ParseErrorKind kind, int code, string message, Hl7ErrorLocation? location, Msh? envelope = null) =>
        Hl7ParseResult.Failure(new Hl7ParseError(kind, code, message, location), envelope);
}
