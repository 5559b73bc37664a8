using DsnGateway.Hl7v2.Parsing;
using DsnGateway.Hl7v2.Types;

namespace DsnGateway.Hl7v2.Segments;

/// <summary>TQ1, timing/quantity (v2.5+; replaces the TQ data type of ORC-7 and RXE-1): how often, from when, until when.</summary>
public sealed class Tq1(Segment segment) : SegmentView(segment, "TQ1")
{
    /// <summary>TQ1-3.1, the repeat pattern code (table 0335: QD, BID, TID, Q6H...), a CWE in sub-components.</summary>
    public Cwe RepeatPattern => Cwe.From(Segment.Field(3).Repetition(1).Component(1));
    /// <summary>TQ1-4, explicit times of day (HHMM), repeated.</summary>
    public IReadOnlyList<string> ExplicitTimes => Segment.Repetitions(4).Select(r => r.Value()).Where(v => v.Length > 0).ToList();
    public string StartDateTime => DateTimeText(7);
    public string EndDateTime => DateTimeText(8);
    /// <summary>TQ1-11, the timing as free text.</summary>
    public string TextInstruction => Value(11);
    public string TotalOccurrences => Value(14);
}
