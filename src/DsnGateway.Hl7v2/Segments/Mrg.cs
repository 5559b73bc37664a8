using DsnGateway.Hl7v2.Parsing;
using DsnGateway.Hl7v2.Types;

namespace DsnGateway.Hl7v2.Segments;

/// <summary>MRG, in a merge (A40): the identifiers of the record being merged away.</summary>
public sealed class Mrg(Segment segment) : SegmentView(segment, "MRG")
{
    public IReadOnlyList<Cx> PriorPatientIdentifiers => All(1, Cx.From);
    public Cx PriorAlternatePatientId => First(2, Cx.From);
    public Cx PriorPatientAccountNumber => First(3, Cx.From);
    public Cx PriorPatientId => First(4, Cx.From);
    public Cx PriorVisitNumber => First(5, Cx.From);
    public IReadOnlyList<Xpn> PriorPatientNames => All(7, Xpn.From);
}
