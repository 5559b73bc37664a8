using DsnGateway.Hl7v2.Segments;

namespace DsnGateway.Hl7v2.Parsing;

/// <summary>A parsed ER7 message: its segments in order, its delimiters and the character set it was read in.</summary>
public sealed class Hl7Message
{
    internal Hl7Message(IReadOnlyList<Segment> segments, Hl7Delimiters delimiters, System.Text.Encoding characterSet, Hl7Escapes escapes)
    {
        Segments = segments;
        Delimiters = delimiters;
        CharacterSet = characterSet;
        Escapes = escapes;
    }

    public IReadOnlyList<Segment> Segments { get; }

    public Hl7Delimiters Delimiters { get; }

    /// <summary>The character set the bytes were decoded with (MSH-18, or the sender's default).</summary>
    public System.Text.Encoding CharacterSet { get; }

    internal Hl7Escapes Escapes { get; }

    /// <summary>The header segment, always the first.</summary>
    public Segment Header => Segments[0];

    public Msh Msh => new(Header);

    /// <summary>The <paramref name="occurrence"/>-th segment named <paramref name="name"/> (1-based), or null.</summary>
    public Segment? GetSegment(string name, int occurrence = 1)
    {
        foreach (var segment in Segments)
        {
            if (segment.Name == name && --occurrence == 0) return segment;
        }
        return null;
    }

    public IEnumerable<Segment> GetSegments(string name) => Segments.Where(s => s.Name == name);

    public bool HasSegment(string name) => GetSegment(name) is not null;

    /// <summary>The unescaped value at a path such as <c>PID-3[2].4.1</c> or <c>OBX(2)-5</c>; empty when absent or malformed.</summary>
    public string Get(string path)
    {
        if (!Hl7Path.TryParse(path, out var p) || p.Segment is null) return "";
        return GetSegment(p.Segment, p.SegmentOccurrence)?.Value(p.Field, p.Repetition, p.Component, p.SubComponent) ?? "";
    }

    /// <summary>The message as ER7, segments ended by CR as the standard says.</summary>
    public string ToEr7() => string.Concat(Segments.Select(s => s.Raw + "\r"));

    public override string ToString() => ToEr7();
}
