using DsnGateway.Hl7v2.Parsing;
using DsnGateway.Hl7v2.Types;

namespace DsnGateway.Hl7v2.Segments;

/// <summary>PD1, additional demographics; we read the primary care provider and the protection indicator.</summary>
public sealed class Pd1(Segment segment) : SegmentView(segment, "PD1")
{
    public IReadOnlyList<Xcn> PrimaryCareProviders => All(4, Xcn.From);
    public string ProtectionIndicator => Value(12);
}
