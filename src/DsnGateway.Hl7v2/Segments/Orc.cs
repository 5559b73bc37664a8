using DsnGateway.Hl7v2.Parsing;
using DsnGateway.Hl7v2.Types;

namespace DsnGateway.Hl7v2.Segments;

/// <summary>ORC, common order: control code, placer and filler numbers, status, times, ordering provider.</summary>
public sealed class Orc(Segment segment) : SegmentView(segment, "ORC")
{
    /// <summary>ORC-1, table 0119: NW, CA, DC, HD, XO...</summary>
    public string OrderControl => Value(1);
    public Ei PlacerOrderNumber => First(2, Ei.From);
    public Ei FillerOrderNumber => First(3, Ei.From);
    public Ei PlacerGroupNumber => First(4, Ei.From);
    /// <summary>ORC-5, table 0038: A, CA, CM, DC, ER, HD, IP, RP, SC.</summary>
    public string OrderStatus => Value(5);
    public string TransactionDateTime => DateTimeText(9);
    public IReadOnlyList<Xcn> EnteredBy => All(10, Xcn.From);
    public IReadOnlyList<Xcn> OrderingProviders => All(12, Xcn.From);
}
