using DsnGateway.Mapping.Codes;

namespace DsnGateway.Ingestion.Csv;

/// <summary>
/// What an import did with every row: accepted (committed to the inbox now, or already there from an earlier
/// import of the same row) or rejected. <see cref="Accepted"/> = <see cref="New"/> + <see cref="Unchanged"/>.
/// </summary>
/// <param name="Unmapped">Local codes without a code map, with how many rows used each (for the unmapped-codes report).</param>
public sealed record CsvImportResult(long Accepted, long New, long Unchanged, long Rejected, IReadOnlyDictionary<UnmappedCode, long> Unmapped)
{
    public long Rows => Accepted + Rejected;
}

/// <summary>How far an import is: rows seen, and bytes of the file read when its length is known.</summary>
public sealed record CsvImportProgress(long Rows, long Accepted, long Rejected, long BytesRead, long? TotalBytes);
