using DsnGateway.Hl7v2.Parsing;
using DsnGateway.Hl7v2.Types;

namespace DsnGateway.Hl7v2.Segments;

/// <summary>PV1, the visit: class, location, doctors, visit number, admission and discharge times.</summary>
public sealed class Pv1(Segment segment) : SegmentView(segment, "PV1")
{
    public string SetId => Value(1);
    /// <summary>PV1-2, table 0004: I inpatient, O outpatient, E emergency...</summary>
    public string PatientClass => Value(2);
    public Pl AssignedLocation => First(3, Pl.From);
    public string AdmissionType => Value(4);
    public IReadOnlyList<Xcn> AttendingDoctors => All(7, Xcn.From);
    public IReadOnlyList<Xcn> ReferringDoctors => All(8, Xcn.From);
    public string HospitalService => Value(10);
    /// <summary>PV1-19, the visit (encounter) number.</summary>
    public Cx VisitNumber => First(19, Cx.From);
    /// <summary>PV1-50, the alternate visit id (some systems number visits here only).</summary>
    public Cx AlternateVisitId => First(50, Cx.From);
    public string AdmitDateTime => DateTimeText(44);
    public string DischargeDateTime => DateTimeText(45);
}
