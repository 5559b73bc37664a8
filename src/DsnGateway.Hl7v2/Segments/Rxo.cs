using DsnGateway.Hl7v2.Parsing;
using DsnGateway.Hl7v2.Types;

namespace DsnGateway.Hl7v2.Segments;

/// <summary>RXO, pharmacy order as requested (OMP, ORM).</summary>
public sealed class Rxo(Segment segment) : SegmentView(segment, "RXO")
{
    public Cwe RequestedGiveCode => First(1, Cwe.From);
    public string RequestedGiveAmountMinimum => Value(2);
    public string RequestedGiveAmountMaximum => Value(3);
    public Cwe RequestedGiveUnits => First(4, Cwe.From);
    public Cwe RequestedDosageForm => First(5, Cwe.From);
    public IReadOnlyList<Cwe> ProvidersPharmacyInstructions => All(6, Cwe.From);
    public IReadOnlyList<Cwe> ProvidersAdministrationInstructions => All(7, Cwe.From);
    public string RequestedDispenseAmount => Value(11);
    public Cwe RequestedDispenseUnits => First(12, Cwe.From);
    public string NumberOfRefills => Value(13);
    public IReadOnlyList<Xcn> OrderingProvidersDea => All(14, Xcn.From);
}
