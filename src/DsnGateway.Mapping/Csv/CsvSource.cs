using DsnGateway.Mapping.Establishments;

namespace DsnGateway.Mapping.Csv;

/// <summary>One import of one export file: who it is from, which file, when the gateway read it.</summary>
/// <param name="FileName">The export's file name (no directories: they say nothing about the data and can name people).</param>
public sealed record CsvSource(Establishment Establishment, CsvKind Kind, string FileName, DateTimeOffset ImportedAt)
{
    /// <summary>The inbox's sender application of these rows, e.g. <c>CSV:patients</c> (the facility is the establishment code).</summary>
    public string SenderApplication => SenderApplicationOf(Kind);

    public static string SenderApplicationOf(CsvKind kind) => $"CSV:{CsvKinds.Name(kind)}";

    /// <summary>System of the export file names recorded in Provenance.</summary>
    public string FileSystem => $"urn:dsn:csv:{Establishment.LowerCode}:file";
}
