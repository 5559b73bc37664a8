using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;

namespace DsnGateway.Mapping.Csv;

/// <summary>
/// Streams the records of an export in its layout's encoding and delimiter, one at a time (the file is never
/// held in memory). Quoted fields may hold delimiters and line breaks (RFC 4180). With a header row the
/// configured names are found in it once; a header lacking one is a <see cref="CsvFileException"/> (the whole
/// file is the wrong export, not one bad row).
/// </summary>
public sealed class CsvFileReader : IDisposable
{
    private readonly CsvReader _csv;
    private readonly Dictionary<CsvField, int> _indexes = [];
    private readonly List<(CsvSplit Split, int Index)> _splits = [];
    private readonly CsvLayout _layout;
    private bool _started;

    public CsvFileReader(Stream stream, CsvLayout layout)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _layout = layout ?? throw new ArgumentNullException(nameof(layout));
        // A UTF-8 byte order mark is honoured whatever the layout says: a BOM is unambiguous.
        var reader = new StreamReader(stream, layout.Encoding, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
        var configuration = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            Delimiter = layout.Delimiter.ToString(),
            HasHeaderRecord = layout.HasHeader,
            // Bad quoting is not fatal: the row's values are checked field by field, and a broken row is rejected there.
            BadDataFound = null,
            MissingFieldFound = null,
            IgnoreBlankLines = true,
            DetectColumnCountChanges = false,
            TrimOptions = TrimOptions.None,
        };
        _csv = new CsvReader(reader, configuration);
    }

    /// <summary>The records in file order. Asynchronous, so a request body can be read as it arrives.</summary>
    public async IAsyncEnumerable<CsvRow> ReadRowsAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (_started) throw new InvalidOperationException("The rows are read once.");
        _started = true;
        if (_layout.HasHeader)
        {
            if (!await _csv.ReadAsync()) yield break;
            _csv.ReadHeader();
            ResolveHeader(_csv.HeaderRecord ?? []);
        }
        else
        {
            foreach (var (field, column) in _layout.Columns) _indexes[field] = column.Position!.Value - 1;
            foreach (var split in _layout.Splits) _splits.Add((split, split.Column.Position!.Value - 1));
        }

        while (await _csv.ReadAsync())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var parser = _csv.Parser;
            var raw = parser.RawRecord.TrimEnd('\r', '\n');
            // RawRow is the last physical line of the record; a quoted line break inside it moves the start up.
            var line = parser.RawRow - raw.Count(c => c == '\n');
            yield return new CsvRow(line, parser.Record ?? [], raw, _indexes, _layout, _splits);
        }
    }

    private void ResolveHeader(string[] header)
    {
        var names = header.Select((h, i) => (Name: h.Trim().TrimStart('\uFEFF'), Index: i)).ToList();
        int IndexOf(CsvColumn column, string what)
        {
            if (column.Position is { } position) return position - 1;
            var match = names.FirstOrDefault(n => string.Equals(n.Name, column.Name, StringComparison.OrdinalIgnoreCase));
            if (match.Name is null)
                throw new CsvFileException($"the header row has no column \"{column.Name}\" (for {what}); it has: {string.Join(", ", names.Select(n => n.Name))}");
            return match.Index;
        }
        foreach (var (field, column) in _layout.Columns) _indexes[field] = IndexOf(column, CsvFields.Name(field));
        foreach (var split in _layout.Splits) _splits.Add((split, IndexOf(split.Column, string.Join(" and ", split.Fields.Select(CsvFields.Name)))));
    }

    public void Dispose() => _csv.Dispose();
}

/// <summary>The file as a whole does not match its layout (e.g. a header without a configured column).</summary>
public sealed class CsvFileException(string message) : Exception(message);
