using System.Globalization;
using Hl7.Fhir.Model;
using DsnGateway.Fhir.Primitives;
using DsnGateway.Mapping.Bundles;

namespace DsnGateway.Mapping.Csv;

/// <summary>
/// The CSV counterpart of <see cref="MessageProvenance"/>: what one export row wrote, which establishment's export
/// it came from, the file name and line, and when the gateway imported it, so a record can be traced to its row.
/// </summary>
public static class CsvProvenance
{
    public static Provenance Create(CsvSource source, CsvRecord record, IEnumerable<string> targets)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(record);
        var kind = CsvKinds.Name(source.Kind);
        var line = record.Line.ToString(CultureInfo.InvariantCulture);
        return SourceProvenance.Create(
            source.Establishment,
            targets,
            occurred: record.SourceTime is { } time ? PartialDateTime.FormatInstant(time) : null,
            recorded: source.ImportedAt,
            activity: new CodeableConcept { Text = $"CSV {kind} import" },
            device: $"CSV export ({kind})",
            // A row has no id of its own: the file names it, the line (in the display) finds it.
            entity: new Identifier { System = source.FileSystem, Value = source.FileName },
            entityDisplay: $"CSV export {source.FileName} line {line} from {source.Establishment.Code}");
    }
}
