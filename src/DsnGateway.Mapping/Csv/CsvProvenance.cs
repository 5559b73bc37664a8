using System.Globalization;
using DsnGateway.Fhir.Model;
using DsnGateway.Fhir.Primitives;
using DsnGateway.Mapping.Bundles;
using DsnGateway.Mapping.Establishments;

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
        var establishment = source.Establishment;
        var organization = new Reference
        {
            Type = Organization.TypeName,
            Identifier = new Identifier { System = Establishment.IdentifierSystem, Value = establishment.Code },
            Display = establishment.Name,
        };
        var line = record.Line.ToString(CultureInfo.InvariantCulture);
        return new Provenance
        {
            Target = targets.Select(t => new Reference { ReferenceValue = t }).ToList(),
            OccurredDateTime = record.SourceTime is { } time ? FhirDateTime.FormatInstant(time) : null,
            Recorded = FhirDateTime.FormatInstant(source.ImportedAt),
            Activity = new CodeableConcept { Text = $"CSV {CsvKinds.Name(source.Kind)} import" },
            Agent =
            [
                new ProvenanceAgent
                {
                    Type = new CodeableConcept { Coding = [new Coding { System = MessageProvenance.ParticipantTypeSystem, Code = "author", Display = "Author" }] },
                    Who = organization,
                },
                new ProvenanceAgent
                {
                    Type = new CodeableConcept { Coding = [new Coding { System = MessageProvenance.ParticipantTypeSystem, Code = "assembler", Display = "Assembler" }] },
                    Who = new Reference { Type = "Device", Display = $"CSV export ({CsvKinds.Name(source.Kind)})" },
                    OnBehalfOf = organization,
                },
            ],
            Entity =
            [
                new ProvenanceEntity
                {
                    Role = "source",
                    What = new Reference
                    {
                        Identifier = new Identifier { System = source.FileSystem, Value = source.FileName },
                        Display = $"CSV export {source.FileName} line {line} from {establishment.Code}",
                    },
                },
            ],
        };
    }
}
