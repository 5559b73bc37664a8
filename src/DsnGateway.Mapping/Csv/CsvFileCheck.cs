using System.Buffers;
using System.Globalization;
using System.Text;

namespace DsnGateway.Mapping.Csv;

/// <summary>What the first pass over an export found: the layout it is in, and how many data rows it holds.</summary>
public sealed record CsvFileFacts(CsvLayout Layout, long Rows);

/// <summary>
/// The first pass over an export, before any row is admitted: which of the establishment's layouts it is in (the
/// only one, else recognised by its header row), and whether its text is what that layout declares. Decoding is
/// strict: a byte invalid in the declared encoding, a U+FFFD replacement character, a C1 control character
/// (U+0080 to U+009F: Windows-1252 read as ISO-8859-1), or a UTF-8 multi-byte sequence in a file declared single-byte
/// refuses the whole file, naming the line, the column and the likely encoding. A wrong encoding never reaches the
/// store: lenient decoding would import <c>Gagnon-B\ufffdlanger</c> for every accented name of the file.
/// The pass also counts the data rows, so progress is counted against the real total. The stream must be seekable;
/// it is left at its start.
/// </summary>
public static class CsvFileCheck
{
    private const int ChunkSize = 1 << 16;
    private static readonly Encoding Windows1252;

    static CsvFileCheck()
    {
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        Windows1252 = Encoding.GetEncoding(1252);
    }

    /// <exception cref="CsvFileException">no layout fits the header, several do, or the text is not in the declared encoding.</exception>
    public static CsvFileFacts Run(Stream file, IReadOnlyList<CsvLayout> layouts)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(layouts);
        if (!file.CanSeek) throw new ArgumentException("The first pass needs a seekable stream (spool it first).", nameof(file));
        if (layouts.Count == 0) throw new ArgumentException("No layout to check against.", nameof(layouts));
        file.Position = 0;
        var layout = layouts.Count == 1 ? layouts[0] : Recognise(file, layouts);
        file.Position = 0;
        var rows = Scan(file, layout);
        file.Position = 0;
        return new CsvFileFacts(layout, Math.Max(0, rows - (layout.HasHeader ? 1 : 0)));
    }

    /// <summary>
    /// The layout whose configured header names are all in the file's first row (read in that layout's encoding and
    /// delimiter). Layouts without a header row are chosen only by name: any first row would fit them.
    /// </summary>
    private static CsvLayout Recognise(Stream file, IReadOnlyList<CsvLayout> layouts)
    {
        var first = FirstLine(file);
        var bom = first.AsSpan().StartsWith(Encoding.UTF8.Preamble);
        bool Fits(CsvLayout layout, Encoding encoding)
        {
            var names = Split(bom ? Encoding.UTF8.GetString(first.AsSpan(3)) : encoding.GetString(first), layout.Delimiter);
            return layout.HeaderNames.All(n => names.Contains(n));
        }
        var fitting = layouts.Where(l => l.HasHeader && Fits(l, l.Encoding)).ToList();
        var first0 = layouts[0];
        var list = string.Join("; ", layouts.Select(l => l.Description));
        var what = $"{first0.Establishment.Code} {CsvKinds.Name(first0.Kind)}";
        if (fitting.Count == 0 && !bom)
        {
            // The usual cause: a header with accents (Prénom) in another encoding than the layout's.
            foreach (var layout in layouts.Where(l => l.HasHeader))
            {
                if (new[] { Encoding.UTF8, Windows1252 }.FirstOrDefault(e => e.CodePage != layout.Encoding.CodePage && Fits(layout, e)) is { } other)
                    throw new CsvFileException($"the header row fits the {what} layout \"{layout.Name}\" only when read as {other.WebName}, not as the "
                        + $"{layout.Encoding.WebName} it declares: the file is not in its layout's encoding. Nothing was imported: fix the layout's "
                        + "encoding or export the file again in the declared one");
            }
        }
        return fitting.Count switch
        {
            1 => fitting[0],
            0 => throw new CsvFileException(
                $"the header row matches none of the layouts configured for {what}: {list}; name one with --layout (or ?layout=)"),
            _ => throw new CsvFileException(
                $"the header row matches several layouts configured for {what} ({string.Join(", ", fitting.Select(l => l.Name))}): {list}; name one with --layout (or ?layout=)"),
        };
    }

    private static byte[] FirstLine(Stream file)
    {
        var buffer = new byte[ChunkSize];
        var read = 0;
        while (read < buffer.Length)
        {
            var n = file.Read(buffer, read, buffer.Length - read);
            if (n == 0) break;
            var end = Array.IndexOf(buffer, (byte)'\n', read, n);
            read += n;
            if (end >= 0) return buffer[..end];
        }
        return buffer[..read];
    }

    private static HashSet<string> Split(string line, char delimiter)
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var cell in line.TrimEnd('\r').Split(delimiter)) names.Add(cell.Trim().Trim('"').Trim());
        return names;
    }

    /// <summary>Checks every byte and counts the records (line breaks outside quotes, blank lines left out).</summary>
    private static long Scan(Stream file, CsvLayout layout)
    {
        var head = new byte[3];
        var headLength = file.ReadAtLeast(head, 3, throwOnEndOfStream: false);
        file.Position = 0;
        var encoding = layout.Encoding;
        var declared = $"{encoding.WebName}, as the {layout.Establishment.Code} {CsvKinds.Name(layout.Kind)} layout \"{layout.Name}\" declares";
        // A UTF-8 byte order mark is unambiguous and wins over the layout (as the reader does).
        if (headLength == 3 && head.AsSpan().SequenceEqual(Encoding.UTF8.Preamble))
        {
            file.Position = 3;
            encoding = Encoding.UTF8;
            declared = "UTF-8, as its byte order mark says";
        }
        var counter = new RecordCounter();
        try
        {
            if (encoding.CodePage == Encoding.UTF8.CodePage) ScanUtf8(file, counter, declared);
            else if (encoding.IsSingleByte) ScanSingleByte(file, encoding, counter, declared);
            else ScanOther(file, encoding, counter, declared);
        }
        finally
        {
            file.Position = 0;
        }
        return counter.Finish();
    }

    private static void ScanUtf8(Stream file, RecordCounter counter, string declared) =>
        ScanChunks(file, (span, final) =>
        {
            var at = 0;
            while (at < span.Length)
            {
                var status = Rune.DecodeFromUtf8(span[at..], out var rune, out var consumed);
                if (status == OperationStatus.NeedMoreData && !final) break;
                if (status != OperationStatus.Done)
                {
                    var bad = span.Slice(at, Math.Max(1, consumed));
                    throw Refused(counter, $"{Hex(bad)} {(bad.Length == 1 ? "is" : "are")} not valid UTF-8 ({declared}); "
                        + $"the file looks like {LikelySingleByte(bad)}");
                }
                Check(rune, counter, declared);
                counter.Add(rune);
                at += consumed;
            }
            return at;
        });

    private static void ScanSingleByte(Stream file, Encoding encoding, RecordCounter counter, string declared)
    {
        // What each byte means in the declared encoding; null when it means nothing there.
        var strict = Encoding.GetEncoding(encoding.CodePage, EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback);
        var table = new Rune?[256];
        for (var b = 0; b < 256; b++)
        {
            try
            {
                var text = strict.GetString([(byte)b]);
                // .NET gives windows-1252's five unassigned bytes (0x81, 0x8D, 0x8F, 0x90, 0x9D) as C1 controls.
                table[b] = text.Length != 1 || encoding.CodePage == 1252 && text[0] is >= '\u0080' and <= '\u009F' ? null : new Rune(text[0]);
            }
            catch (DecoderFallbackException)
            {
                table[b] = null;
            }
        }
        ScanChunks(file, (span, final) =>
        {
            var at = 0;
            while (at < span.Length)
            {
                var b = span[at];
                if (b >= 0xC2 && b <= 0xF4)
                {
                    // Text written in UTF-8 read as a single-byte encoding: é is C3 A9, read as "Ã©".
                    var status = Rune.DecodeFromUtf8(span[at..], out var utf8, out var consumed);
                    if (status == OperationStatus.NeedMoreData && !final) break;
                    if (status == OperationStatus.Done && consumed > 1)
                        throw Refused(counter, $"{Hex(span.Slice(at, consumed))} form a UTF-8 multi-byte sequence ('{utf8}' in UTF-8) in a file in {declared}; "
                            + "the file looks like UTF-8");
                }
                if (table[b] is not { } rune)
                    throw Refused(counter, $"byte 0x{b:X2} means nothing in {declared}; the file looks like {LikelySingleByte(span.Slice(at, 1))}");
                Check(rune, counter, declared);
                counter.Add(rune);
                at++;
            }
            return at;
        });
    }

    /// <summary>Checks the bytes of <paramref name="span"/>; returns how many it consumed (the rest, a sequence cut by the chunk's end, comes again at the start of the next chunk).</summary>
    private delegate int ChunkScanner(ReadOnlySpan<byte> span, bool final);

    /// <summary>The file in chunks, each prefixed by what the previous one left unconsumed; the last call has <c>final</c> set.</summary>
    private static void ScanChunks(Stream file, ChunkScanner scan)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize + 4);
        try
        {
            var carried = 0;
            while (true)
            {
                var read = file.Read(buffer, carried, ChunkSize);
                var length = carried + read;
                var final = read == 0;
                var at = scan(buffer.AsSpan(0, length), final);
                if (final) return;
                carried = length - at;
                buffer.AsSpan(at, carried).CopyTo(buffer);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Any other encoding (UTF-16, a multi-byte Asian code page): the decoder's own strict mode.</summary>
    private static void ScanOther(Stream file, Encoding encoding, RecordCounter counter, string declared)
    {
        var decoder = Encoding.GetEncoding(encoding.CodePage, EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback).GetDecoder();
        var bytes = new byte[ChunkSize];
        var chars = new char[encoding.GetMaxCharCount(ChunkSize) + 2];
        while (true)
        {
            var read = file.Read(bytes, 0, bytes.Length);
            int count;
            try
            {
                count = decoder.GetChars(bytes, 0, read, chars, 0, flush: read == 0);
            }
            catch (DecoderFallbackException ex)
            {
                throw Refused(counter, $"{Hex(ex.BytesUnknown ?? [])} not valid {declared}");
            }
            foreach (var rune in new string(chars, 0, count).EnumerateRunes())
            {
                Check(rune, counter, declared);
                counter.Add(rune);
            }
            if (read == 0) return;
        }
    }

    /// <summary>Characters valid in the encoding that still show the text was decoded wrongly somewhere.</summary>
    private static void Check(Rune rune, RecordCounter counter, string declared)
    {
        if (rune.Value == 0xFFFD)
            throw Refused(counter, $"U+FFFD (the replacement character) is in the text ({declared}): it was damaged by a conversion from another "
                + "encoding before it was written (likely windows-1252 read as UTF-8); export it again from the source system");
        if (rune.Value is >= 0x80 and <= 0x9F)
        {
            var meant = Windows1252.GetString([(byte)rune.Value]);
            throw Refused(counter, $"U+{rune.Value:X4} is a C1 control character ({declared}), the mark of windows-1252 read as ISO-8859-1 "
                + $"('{meant}' in windows-1252); the file looks like windows-1252");
        }
    }

    /// <summary>Bytes from 0x80 up in a file that is not UTF-8: Windows-1252 when they use its 0x80-0x9F letters, else Latin-1.</summary>
    private static string LikelySingleByte(ReadOnlySpan<byte> bytes)
    {
        var b = bytes[0];
        var meant = Windows1252.GetString([b]);
        return b is >= 0x80 and <= 0x9F
            ? $"windows-1252 (0x{b:X2} is '{meant}' there)"
            : $"windows-1252 or iso-8859-1 (0x{b:X2} is '{meant}' there)";
    }

    private static string Hex(ReadOnlySpan<byte> bytes)
    {
        var parts = new List<string>();
        foreach (var b in bytes) parts.Add($"0x{b:X2}");
        return (bytes.Length == 1 ? "byte " : "bytes ") + string.Join(" ", parts);
    }

    private static CsvFileException Refused(RecordCounter counter, string problem) =>
        new($"line {counter.Line.ToString(CultureInfo.InvariantCulture)}, column {counter.Column.ToString(CultureInfo.InvariantCulture)}: {problem}. "
            + "Nothing was imported: fix the layout's encoding or export the file again in the declared one");

    /// <summary>Where the scan is (line and column of the next character) and how many records it has passed.</summary>
    private sealed class RecordCounter
    {
        private bool _quoted;
        private bool _blank = true;
        private long _records;

        public long Line { get; private set; } = 1;

        public long Column { get; private set; } = 1;

        public void Add(Rune rune)
        {
            if (rune.Value == '\n')
            {
                // A line break inside quotes belongs to the field (RFC 4180); "" toggles twice, so it is counted right.
                if (!_quoted && !_blank) _records++;
                if (!_quoted) _blank = true;
                Line++;
                Column = 1;
                return;
            }
            Column++;
            if (rune.Value == '"') _quoted = !_quoted;
            if (rune.Value != '\r') _blank = false;
        }

        public long Finish() => _records + (_blank ? 0 : 1);
    }
}
