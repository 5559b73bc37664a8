namespace DsnGateway.Mapping.Csv;

/// <summary>
/// One record of an export as read: its line number in the file (1-based, the header counted), its field values,
/// and its raw text without the line break (what the inbox keeps, re-encoded in the file's own encoding). A field's
/// value follows the layout's rules: a fixed value, digits only, or a named group of a split column.
/// </summary>
public sealed class CsvRow
{
    private readonly string[] _values;
    private readonly IReadOnlyDictionary<CsvField, int> _indexes;
    private readonly IReadOnlyList<(CsvSplit Split, int Index)> _splits;
    private readonly CsvLayout _layout;
    private System.Text.RegularExpressions.Match?[]? _matches;

    public CsvRow(long line, string[] values, string rawText, IReadOnlyDictionary<CsvField, int> indexes, CsvLayout layout,
        IReadOnlyList<(CsvSplit Split, int Index)> splits)
    {
        Line = line;
        RawText = rawText;
        _values = values;
        _indexes = indexes;
        _layout = layout;
        _splits = splits;
    }

    public long Line { get; }

    public string RawText { get; }

    public IReadOnlyList<string> Values => _values;

    /// <summary>
    /// The trimmed value of a field; null when the layout has no such column, the row is too short, it is blank, or
    /// its split column does not match (see <see cref="SplitMismatch"/>).
    /// </summary>
    public string? this[CsvField field]
    {
        get
        {
            var rule = _layout.Rule(field);
            if (rule?.Fixed is { } fixedValue) return fixedValue;
            string? value;
            if (_indexes.TryGetValue(field, out var index)) value = Cell(index);
            else value = SplitValue(field);
            if (value is not null && rule is { Digits: true }) value = new string([.. value.Where(char.IsAsciiDigit)]);
            return string.IsNullOrEmpty(value) ? null : value;
        }
    }

    /// <summary>The first split column whose (non-blank) value the layout's pattern does not match: its label and value.</summary>
    public (string Column, string Value, string Pattern)? SplitMismatch
    {
        get
        {
            for (var i = 0; i < _splits.Count; i++)
            {
                var value = Cell(_splits[i].Index);
                if (value is not null && Match(i) is not { Success: true })
                    return (_splits[i].Split.Column.Label, value, _splits[i].Split.Pattern.ToString());
            }
            return null;
        }
    }

    private string? Cell(int index)
    {
        if (index >= _values.Length) return null;
        var value = _values[index].Trim();
        return value.Length == 0 ? null : value;
    }

    private string? SplitValue(CsvField field)
    {
        for (var i = 0; i < _splits.Count; i++)
        {
            if (!_splits[i].Split.Fields.Contains(field)) continue;
            if (Match(i) is not { Success: true } match) return null;
            var group = match.Groups[CsvFields.Name(field)];
            if (!group.Success)
            {
                // Group names are matched case-insensitively at load; find the spelling the pattern used.
                group = match.Groups.Values.FirstOrDefault(g => string.Equals(g.Name, CsvFields.Name(field), StringComparison.OrdinalIgnoreCase)) ?? group;
            }
            return group.Success ? group.Value.Trim() : null;
        }
        return null;
    }

    private System.Text.RegularExpressions.Match? Match(int i)
    {
        _matches ??= new System.Text.RegularExpressions.Match?[_splits.Count];
        if (_matches[i] is null && Cell(_splits[i].Index) is { } value)
        {
            var match = _splits[i].Split.Pattern.Match(value);
            // The whole value, not a part of it: a pattern that matches only a prefix would drop the rest silently.
            _matches[i] = match.Success && match.Index == 0 && match.Length == value.Length ? match : System.Text.RegularExpressions.Match.Empty;
        }
        return _matches[i];
    }
}
