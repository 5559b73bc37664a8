using DsnGateway.Mapping.Codes;

namespace DsnGateway.Ingestion.Csv;

/// <summary>
/// What an import did with every row: accepted (committed to the inbox now, or already there from an earlier
/// import of the same row) or rejected. <see cref="Accepted"/> = <see cref="New"/> + <see cref="Updated"/> + <see cref="Unchanged"/>.
/// </summary>
/// <param name="New">Rows whose business key no earlier import brought.</param>
/// <param name="Updated">Rows whose business key an earlier import brought with other text (a corrected row): they update those records.</param>
/// <param name="Unchanged">Rows an earlier import brought with the same text: nothing changes.</param>
/// <param name="Unmapped">Local codes without a code map, with how many rows used each (for the unmapped-codes report).</param>
/// <param name="Layout">The name of the layout the file was read with.</param>
internal sealed record CsvImportResult(long Accepted, long New, long Updated, long Unchanged, long Rejected, IReadOnlyDictionary<UnmappedCode, long> Unmapped,
    string Layout)
{
    public long Rows => Accepted + Rejected;
}

/// <summary>How far an import is: rows done (committed or rejected) out of the rows the first pass counted.</summary>
internal sealed record CsvImportProgress(long Rows, long Accepted, long Rejected, long TotalRows)
{
    /// <summary>Whole percent done; 100 only once every row is.</summary>
    public int Percent => TotalRows <= 0 || Rows >= TotalRows ? 100 : (int)(Rows * 100 / TotalRows);
}
