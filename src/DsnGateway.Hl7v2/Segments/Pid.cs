using DsnGateway.Hl7v2.Parsing;
using DsnGateway.Hl7v2.Types;

namespace DsnGateway.Hl7v2.Segments;

/// <summary>PID, the patient: identifiers, names, birth, sex, addresses, telecom, death.</summary>
public sealed class Pid(Segment segment) : SegmentView(segment, "PID")
{
    public string SetId => Value(1);
    /// <summary>PID-2, the external id (withdrawn after 2.3.1 but still sent; some senders put the NAM here).</summary>
    public Cx PatientId => First(2, Cx.From);
    /// <summary>PID-3, every identifier of the patient (MRNs, the NAM, others).</summary>
    public IReadOnlyList<Cx> Identifiers => All(3, Cx.From);
    public IReadOnlyList<Cx> AlternateIds => All(4, Cx.From);
    public IReadOnlyList<Xpn> Names => All(5, Xpn.From);
    public IReadOnlyList<Xpn> MothersMaidenNames => All(6, Xpn.From);
    /// <summary>PID-7 as sent; parse with <see cref="Hl7DateTime.TryParse"/>.</summary>
    public string BirthDateTime => DateTimeText(7);
    /// <summary>PID-8, administrative sex (table 0001: F, M, O, U, A, N).</summary>
    public string AdministrativeSex => Value(8);
    public IReadOnlyList<Xad> Addresses => All(11, Xad.From);
    public IReadOnlyList<Xtn> HomePhones => All(13, Xtn.From);
    public IReadOnlyList<Xtn> BusinessPhones => All(14, Xtn.From);
    public Cwe PrimaryLanguage => First(15, Cwe.From);
    public Cwe MaritalStatus => First(16, Cwe.From);
    public string DeathDateTime => DateTimeText(29);
    /// <summary>PID-30, Y or N.</summary>
    public string DeathIndicator => Value(30);
}
