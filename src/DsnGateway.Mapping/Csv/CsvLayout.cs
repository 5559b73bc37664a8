using System.Text;
using System.Text.RegularExpressions;
using DsnGateway.Mapping.Establishments;

namespace DsnGateway.Mapping.Csv;

/// <summary>Where a field is in a row: a header name (case-insensitive, trimmed) or a 1-based position.</summary>
public sealed record CsvColumn(string? Name, int? Position)
{
    public override string ToString() => Name is not null ? $"\"{Name}\"" : $"#{Position}";

    /// <summary>How a reject names the column: its header name as the file spells it, else <c>column 3</c>.</summary>
    public string Label => Name ?? $"column {Position}";
}

/// <summary>
/// A value rule of one field, from the layout rather than code: a fixed value for every row (the column is then
/// absent), digits only (phone numbers), or the coding system of a coded column (read as HL7 reads CWE.3).
/// </summary>
public sealed record CsvFieldRule(string? Fixed, bool Digits, string? CodeSystem);

/// <summary>One column split into several fields by a pattern's named groups (e.g. <c>Dubé, Alexandre (61588)</c>
/// into the surgeon's name and licence). The pattern must match the whole value.</summary>
public sealed record CsvSplit(CsvColumn Column, Regex Pattern, IReadOnlyList<CsvField> Fields);

/// <summary>
/// How one export of one establishment and kind is written (from <c>config/csv-layouts.json</c>, see
/// <see cref="CsvLayoutConfiguration"/>): the file's shape (delimiter, encoding, header), where each field is, and
/// how that system spells dates, decimals, sexes and statuses. Everything establishment-specific lives here, so
/// a new export is onboarded by configuration alone. An establishment may have several layouts of one kind
/// (its French and English exports), told apart by <see cref="Name"/> or by their header row.
/// </summary>
public sealed record CsvLayout(
    Establishment Establishment,
    CsvKind Kind,
    char Delimiter,
    Encoding Encoding,
    bool HasHeader,
    IReadOnlyDictionary<CsvField, CsvColumn> Columns,
    IReadOnlyList<string> DateFormats,
    IReadOnlyList<string> DateTimeFormats,
    char DecimalSeparator,
    IReadOnlyDictionary<string, string> SexSpellings,
    IReadOnlyDictionary<string, string> StatusSpellings,
    string? CodeSystem,
    string? LicenceAuthority)
{
    /// <summary>The layout's name among the establishment's layouts of its kind (<c>--layout</c>, <c>?layout=</c>).</summary>
    public string Name { get; init; } = CsvLayouts.DefaultName;

    public IReadOnlyDictionary<CsvField, CsvFieldRule> Rules { get; init; } = new Dictionary<CsvField, CsvFieldRule>();

    public IReadOnlyList<CsvSplit> Splits { get; init; } = [];

    /// <summary>True when a row can carry the field: a column, a fixed value or a split column gives it.</summary>
    public bool Has(CsvField field) =>
        Columns.ContainsKey(field) || Rules.TryGetValue(field, out var rule) && rule.Fixed is not null || Splits.Any(s => s.Fields.Contains(field));

    public CsvFieldRule? Rule(CsvField field) => Rules.GetValueOrDefault(field);

    /// <summary>The file's own name of the column a field comes from, for rejects (<c>Date de naissance</c>, <c>column 3</c>).</summary>
    public string Label(CsvField field)
    {
        if (Columns.TryGetValue(field, out var column)) return column.Label;
        if (Splits.FirstOrDefault(s => s.Fields.Contains(field)) is { } split) return split.Column.Label;
        return CsvFields.Name(field);
    }

    /// <summary>Every header name the layout needs (columns and split columns), in configuration order.</summary>
    public IEnumerable<string> HeaderNames =>
        Columns.Values.Select(c => c.Name).Concat(Splits.Select(s => s.Column.Name)).OfType<string>().Distinct(StringComparer.OrdinalIgnoreCase);

    /// <summary>How an operator sees it in a list of layouts: name, encoding, delimiter, expected header.</summary>
    public string Description =>
        $"{Name} ({Encoding.WebName}, '{(Delimiter == '\t' ? "\\t" : Delimiter.ToString())}', "
        + (HasHeader ? $"header {string.Join(Delimiter, HeaderNames)})" : "no header row)");
}

/// <summary>The layouts of every establishment and kind.</summary>
public sealed class CsvLayouts
{
    /// <summary>The name of a kind's only layout when the file gives it none.</summary>
    public const string DefaultName = "default";

    private readonly Dictionary<(string Establishment, CsvKind Kind), List<CsvLayout>> _layouts;

    public CsvLayouts(IEnumerable<CsvLayout> layouts)
    {
        _layouts = new Dictionary<(string, CsvKind), List<CsvLayout>>();
        foreach (var layout in layouts)
        {
            var key = (layout.Establishment.Code.ToUpperInvariant(), layout.Kind);
            if (!_layouts.TryGetValue(key, out var list)) _layouts[key] = list = [];
            list.Add(layout);
        }
    }

    public static CsvLayouts Empty { get; } = new([]);

    public IEnumerable<CsvLayout> All => _layouts.Values.SelectMany(l => l);

    /// <summary>The layouts of an establishment (code, case-insensitive) and kind, in configuration order; empty when none.</summary>
    public IReadOnlyList<CsvLayout> Of(string establishment, CsvKind kind) =>
        _layouts.TryGetValue((establishment.Trim().ToUpperInvariant(), kind), out var list) ? list : [];

    /// <summary>The layout of that name (case-insensitive); without a name, the only layout. Null when there is none.</summary>
    public CsvLayout? Find(string establishment, CsvKind kind, string? name = null)
    {
        var candidates = Of(establishment, kind);
        if (name is null) return candidates.Count == 1 ? candidates[0] : null;
        return candidates.FirstOrDefault(l => string.Equals(l.Name, name.Trim(), StringComparison.OrdinalIgnoreCase));
    }
}
