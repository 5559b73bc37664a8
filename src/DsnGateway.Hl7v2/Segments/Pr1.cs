using DsnGateway.Hl7v2.Parsing;
using DsnGateway.Hl7v2.Types;

namespace DsnGateway.Hl7v2.Segments;

/// <summary>PR1, a procedure: code, time, functional type, surgeon, practitioner, identifier.</summary>
public sealed class Pr1(Segment segment) : SegmentView(segment, "PR1")
{
    public string SetId => Value(1);
    /// <summary>PR1-3, the procedure code (CWE.3 = CCI for the Canadian classification).</summary>
    public Cwe ProcedureCode => First(3, Cwe.From);
    public string ProcedureDescription => Value(4);
    public string ProcedureDateTime => DateTimeText(5);
    /// <summary>PR1-6, table 0230: A anesthesia, P procedure for treatment, I invasive, D diagnostic.</summary>
    public Cwe FunctionalType => First(6, Cwe.From);
    public string Minutes => Value(7);
    /// <summary>PR1-11, the surgeon (withdrawn after 2.4 in favour of ROL, still sent).</summary>
    public IReadOnlyList<Xcn> Surgeons => All(11, Xcn.From);
    /// <summary>PR1-12, the procedure practitioner.</summary>
    public IReadOnlyList<Xcn> ProcedurePractitioners => All(12, Xcn.From);
    /// <summary>PR1-19, the procedure identifier.</summary>
    public Ei ProcedureIdentifier => First(19, Ei.From);
}
