namespace DsnGateway.Hl7v2.Parsing;

/// <summary>
/// A position written the way HL7 people write it: <c>PID-3[2].4.1</c> is PID, field 3, second repetition,
/// component 4, sub-component 1. The segment may carry an occurrence (<c>OBX(2)-5</c> or <c>OBX[2]-5</c>);
/// within a segment the name may be left out (<c>3[2].4.1</c>). Every index is 1-based and defaults to 1.
/// </summary>
public sealed record Hl7Path(string? Segment, int SegmentOccurrence, int Field, int Repetition, int Component, int SubComponent)
{
    public static bool TryParse(string? text, out Hl7Path path)
    {
        path = new Hl7Path(null, 1, 0, 1, 1, 1);
        if (string.IsNullOrWhiteSpace(text)) return false;
        var s = text.Trim().AsSpan();
        string? segment = null;
        var occurrence = 1;
        var dash = s.IndexOf('-');
        if (dash >= 0)
        {
            var head = s[..dash];
            var open = head.IndexOfAny('(', '[');
            if (open >= 0)
            {
                var close = head[^1];
                if ((head[open] == '(' && close != ')') || (head[open] == '[' && close != ']')) return false;
                if (!int.TryParse(head[(open + 1)..^1], out occurrence) || occurrence < 1) return false;
                head = head[..open];
            }
            if (head.Length != 3) return false;
            segment = head.ToString().ToUpperInvariant();
            s = s[(dash + 1)..];
        }
        var repetition = 1;
        var dot = s.IndexOf('.');
        var fieldPart = dot < 0 ? s : s[..dot];
        var rest = dot < 0 ? ReadOnlySpan<char>.Empty : s[(dot + 1)..];
        var bracket = fieldPart.IndexOf('[');
        if (bracket >= 0)
        {
            if (fieldPart[^1] != ']' || !int.TryParse(fieldPart[(bracket + 1)..^1], out repetition) || repetition < 1) return false;
            fieldPart = fieldPart[..bracket];
        }
        if (!int.TryParse(fieldPart, out var field) || field < 1) return false;
        int component = 1, subComponent = 1;
        if (dot >= 0)
        {
            var dot2 = rest.IndexOf('.');
            if (!int.TryParse(dot2 < 0 ? rest : rest[..dot2], out component) || component < 1) return false;
            if (dot2 >= 0 && (!int.TryParse(rest[(dot2 + 1)..], out subComponent) || subComponent < 1)) return false;
        }
        path = new Hl7Path(segment, occurrence, field, repetition, component, subComponent);
        return true;
    }

    public static Hl7Path Parse(string text) =>
        TryParse(text, out var path) ? path : throw new FormatException($"'{text}' is not an HL7 position such as PID-3[2].4.1.");
}
