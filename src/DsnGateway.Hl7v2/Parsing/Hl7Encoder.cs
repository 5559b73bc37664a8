namespace DsnGateway.Hl7v2.Parsing;

/// <summary>Writes ER7: segments ended by CR, delimiter characters in values escaped.</summary>
public static class Hl7Encoder
{
    /// <summary>Escapes a plain value so it travels as one leaf under <paramref name="delimiters"/>.</summary>
    public static string Escape(string value, Hl7Delimiters? delimiters = null) =>
        new Hl7Escapes(delimiters ?? Hl7Delimiters.Default).Encode(value ?? "");

    public static string EncodeSegment(Hl7SegmentBuilder segment, Hl7Delimiters? delimiters = null) =>
        segment.Encode(new Hl7Escapes(delimiters ?? Hl7Delimiters.Default));

    /// <summary>The message as ER7; the first segment should be MSH, whose MSH-1 and MSH-2 come from <paramref name="delimiters"/>.</summary>
    public static string Encode(IEnumerable<Hl7SegmentBuilder> segments, Hl7Delimiters? delimiters = null)
    {
        var escapes = new Hl7Escapes(delimiters ?? Hl7Delimiters.Default);
        return string.Concat(segments.Select(s => s.Encode(escapes) + "\r"));
    }
}
