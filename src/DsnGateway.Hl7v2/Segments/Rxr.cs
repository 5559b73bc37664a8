using DsnGateway.Hl7v2.Parsing;
using DsnGateway.Hl7v2.Types;

namespace DsnGateway.Hl7v2.Segments;

/// <summary>RXR, pharmacy route: route, site, device, method.</summary>
public sealed class Rxr(Segment segment) : SegmentView(segment, "RXR")
{
    public Cwe Route => First(1, Cwe.From);
    public Cwe AdministrationSite => First(2, Cwe.From);
    public Cwe AdministrationDevice => First(3, Cwe.From);
    public Cwe AdministrationMethod => First(4, Cwe.From);
}
