using DsnGateway.Hl7v2.Parsing;
using DsnGateway.Hl7v2.Types;

namespace DsnGateway.Hl7v2.Segments;

/// <summary>EVN, the event: when it was recorded and when it happened.</summary>
public sealed class Evn(Segment segment) : SegmentView(segment, "EVN")
{
    public string EventTypeCode => Value(1);
    public string RecordedDateTime => DateTimeText(2);
    public string PlannedEventDateTime => DateTimeText(3);
    public string EventReasonCode => Value(4);
    public IReadOnlyList<Xcn> Operators => All(5, Xcn.From);
    public string EventOccurred => DateTimeText(6);
    public Hd EventFacility => First(7, Hd.From);
}
