namespace DsnGateway.Mapping.Csv;

/// <summary>
/// One record of an export as read: its line number in the file (1-based, the header counted), its field values,
/// and its raw text without the line break (what the inbox keeps, re-encoded in the file's own encoding).
/// </summary>
public sealed class CsvRow(long line, string[] values, string rawText, IReadOnlyDictionary<CsvField, int> indexes)
{
    public long Line { get; } = line;

    public string RawText { get; } = rawText;

    public IReadOnlyList<string> Values { get; } = values;

    /// <summary>The trimmed value of a field; null when the layout has no such column, the row is too short, or it is blank.</summary>
    public string? this[CsvField field]
    {
        get
        {
            if (!indexes.TryGetValue(field, out var index) || index >= values.Length) return null;
            var value = values[index].Trim();
            return value.Length == 0 ? null : value;
        }
    }
}
