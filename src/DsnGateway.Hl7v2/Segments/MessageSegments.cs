using DsnGateway.Hl7v2.Parsing;

namespace DsnGateway.Hl7v2.Segments;

/// <summary>Typed access from a message to the segments we map.</summary>
public static class MessageSegments
{
    public static Evn? Evn(this Hl7Message m) => m.GetSegment("EVN") is { } s ? new Evn(s) : null;
    public static Pid? Pid(this Hl7Message m) => m.GetSegment("PID") is { } s ? new Pid(s) : null;
    public static Pd1? Pd1(this Hl7Message m) => m.GetSegment("PD1") is { } s ? new Pd1(s) : null;
    public static Pv1? Pv1(this Hl7Message m) => m.GetSegment("PV1") is { } s ? new Pv1(s) : null;
    public static Mrg? Mrg(this Hl7Message m) => m.GetSegment("MRG") is { } s ? new Mrg(s) : null;
    public static IReadOnlyList<Orc> Orcs(this Hl7Message m) => m.GetSegments("ORC").Select(s => new Orc(s)).ToList();
    public static IReadOnlyList<Rxo> Rxos(this Hl7Message m) => m.GetSegments("RXO").Select(s => new Rxo(s)).ToList();
    public static IReadOnlyList<Rxe> Rxes(this Hl7Message m) => m.GetSegments("RXE").Select(s => new Rxe(s)).ToList();
    public static IReadOnlyList<Rxr> Rxrs(this Hl7Message m) => m.GetSegments("RXR").Select(s => new Rxr(s)).ToList();
    public static IReadOnlyList<Pr1> Pr1s(this Hl7Message m) => m.GetSegments("PR1").Select(s => new Pr1(s)).ToList();

    /// <summary>The NTE segments right after <paramref name="segment"/> (one of this message's), up to the next other segment:
    /// the notes on that segment. Empty when it has none or is not in the message.</summary>
    public static IReadOnlyList<Nte> NotesAfter(this Hl7Message m, Segment segment)
    {
        var notes = new List<Nte>();
        var segments = m.Segments;
        var i = 0;
        while (i < segments.Count && !ReferenceEquals(segments[i], segment)) i++;
        for (i++; i < segments.Count && segments[i].Name == "NTE"; i++) notes.Add(new Nte(segments[i]));
        return notes;
    }
}
