using System.Text;

namespace DsnGateway.Hl7v2.Parsing;

/// <summary>
/// A batch file (FHS/BHS ... BTS/FTS) split into its messages. Each message starts at an MSH segment and
/// runs to the next MSH or trailer; the envelope segments are kept aside. Text without any batch
/// segments splits just as well, so several messages pasted into one file also come apart.
/// </summary>
public sealed record Hl7Batch(IReadOnlyList<string> EnvelopeSegments, IReadOnlyList<string> Messages)
{
    private static readonly string[] EnvelopeNames = ["FHS", "BHS", "BTS", "FTS"];

    /// <summary>BTS-1, the message count the sender declares, when present and numeric.</summary>
    public int? DeclaredMessageCount =>
        EnvelopeSegments.FirstOrDefault(s => s.StartsWith("BTS", StringComparison.Ordinal)) is { Length: > 4 } bts
        && int.TryParse(Hl7Text.Piece(bts[4..], bts[3], 1), out var n) ? n : null;

    /// <summary>Splits decoded text; messages come back with CR segment terminators.</summary>
    public static Hl7Batch Split(string text)
    {
        var envelope = new List<string>();
        var messages = new List<string>();
        StringBuilder? current = null;
        foreach (var line in Lines(text))
        {
            if (line.Length == 0 || string.IsNullOrWhiteSpace(line)) continue;
            var name = line.Length >= 3 ? line[..3] : line;
            if (EnvelopeNames.Contains(name))
            {
                Flush();
                envelope.Add(line);
                continue;
            }
            if (name == "MSH") Flush();
            // Lines before any MSH that are not batch segments cannot belong to a message: they are dropped.
            if (name == "MSH" || current is not null) (current ??= new StringBuilder()).Append(line).Append('\r');
        }
        Flush();
        return new Hl7Batch(envelope, messages);

        void Flush()
        {
            if (current is not null) messages.Add(current.ToString());
            current = null;
        }
    }

    /// <summary>
    /// Splits raw bytes before decoding, so each message can then be decoded by its own MSH-18. Segment
    /// names and line ends are ASCII in every accepted set, so splitting on them is safe.
    /// </summary>
    public static IReadOnlyList<byte[]> SplitBytes(ReadOnlySpan<byte> bytes)
    {
        var messages = new List<byte[]>();
        var current = new List<byte>();
        var inMessage = false;
        bytes = Hl7FramingNoise.SkipByteOrderMark(bytes);
        while (!bytes.IsEmpty)
        {
            var end = bytes.IndexOfAny((byte)'\r', (byte)'\n');
            var line = end < 0 ? bytes : bytes[..end];
            bytes = end < 0 ? [] : bytes[(end + 1)..];
            if (line.Trim(" \t"u8).IsEmpty) continue;
            var isEnvelope = line.StartsWith("FHS"u8) || line.StartsWith("BHS"u8) || line.StartsWith("BTS"u8) || line.StartsWith("FTS"u8);
            var isMsh = line.StartsWith("MSH"u8);
            if (isEnvelope || isMsh)
            {
                if (inMessage) messages.Add([.. current]);
                current.Clear();
                inMessage = isMsh;
            }
            if (inMessage && !isEnvelope)
            {
                current.AddRange(line);
                current.Add((byte)'\r');
            }
        }
        if (inMessage) messages.Add([.. current]);
        return messages;
    }

    /// <summary>Splits raw bytes and parses every message on its own (one bad message does not sink the others).</summary>
    public static IReadOnlyList<Hl7ParseResult> ParseAll(ReadOnlySpan<byte> bytes, Hl7ParserOptions? options = null) =>
        SplitBytes(bytes).Select(m => Hl7Parser.Parse(m, options)).ToList();

    private static IEnumerable<string> Lines(string text)
    {
        var start = 0;
        if (text.Length > 0 && text[0] == '\uFEFF') start = 1;
        while (start < text.Length)
        {
            var end = text.IndexOfAny(['\r', '\n'], start);
            if (end < 0)
            {
                yield return text[start..];
                yield break;
            }
            yield return text[start..end];
            start = end + 1;
        }
    }
}
