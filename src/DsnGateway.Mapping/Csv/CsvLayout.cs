using System.Text;
using DsnGateway.Mapping.Establishments;

namespace DsnGateway.Mapping.Csv;

/// <summary>Where a field is in a row: a header name (case-insensitive, trimmed) or a 1-based position.</summary>
public sealed record CsvColumn(string? Name, int? Position)
{
    public override string ToString() => Name is not null ? $"\"{Name}\"" : $"#{Position}";
}

/// <summary>
/// How one establishment's export of one kind is written (from <c>config/csv-layouts.json</c>, see
/// <see cref="CsvLayoutConfiguration"/>): the file's shape (delimiter, encoding, header), where each field is, and
/// how that system spells dates, decimals, sexes and statuses. Everything establishment-specific lives here, so
/// a new export is onboarded by configuration alone.
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
    public bool Has(CsvField field) => Columns.ContainsKey(field);
}

/// <summary>The layouts of every establishment and kind.</summary>
public sealed class CsvLayouts
{
    private readonly Dictionary<(string Establishment, CsvKind Kind), CsvLayout> _layouts;

    public CsvLayouts(IEnumerable<CsvLayout> layouts)
    {
        _layouts = new Dictionary<(string, CsvKind), CsvLayout>();
        foreach (var layout in layouts) _layouts[(layout.Establishment.Code.ToUpperInvariant(), layout.Kind)] = layout;
    }

    public static CsvLayouts Empty { get; } = new([]);

    public IEnumerable<CsvLayout> All => _layouts.Values;

    /// <summary>The layout of an establishment (code, case-insensitive) and kind; null when none is configured.</summary>
    public CsvLayout? Find(string establishment, CsvKind kind) =>
        _layouts.TryGetValue((establishment.Trim().ToUpperInvariant(), kind), out var layout) ? layout : null;
}
