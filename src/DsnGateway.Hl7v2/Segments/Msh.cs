using DsnGateway.Hl7v2.Parsing;
using DsnGateway.Hl7v2.Types;

namespace DsnGateway.Hl7v2.Segments;

/// <summary>MSH, the message header: who sent it to whom, what it is, its control id, version and character set.</summary>
public sealed class Msh(Segment segment) : SegmentView(segment, "MSH")
{
    public string FieldSeparator => Value(1);
    public string EncodingCharacters => Value(2);
    public Hd SendingApplication => First(3, Hd.From);
    public Hd SendingFacility => First(4, Hd.From);
    public Hd ReceivingApplication => First(5, Hd.From);
    public Hd ReceivingFacility => First(6, Hd.From);
    /// <summary>MSH-7, the source's own time of the message: "latest wins" compares these.</summary>
    public string DateTimeOfMessage => DateTimeText(7);
    public string Security => Value(8);
    /// <summary>MSH-9.1, e.g. ADT.</summary>
    public string MessageCode => Value(9, 1);
    /// <summary>MSH-9.2, e.g. A01.</summary>
    public string TriggerEvent => Value(9, 2);
    /// <summary>MSH-9.3, e.g. ADT_A01.</summary>
    public string MessageStructure => Value(9, 3);
    /// <summary>MSH-10, unique per sender.</summary>
    public string ControlId => Value(10);
    /// <summary>MSH-11.1: P production, T training, D debugging.</summary>
    public string ProcessingId => Value(11);
    /// <summary>MSH-12.1, e.g. 2.5.1.</summary>
    public string Version => Value(12);
    public string AcceptAcknowledgmentType => Value(15);
    public string ApplicationAcknowledgmentType => Value(16);
    public string CountryCode => Value(17);
    /// <summary>MSH-18 (first repetition): the character set of the message; empty means the sender's default.</summary>
    public string CharacterSet => Value(18);
}
