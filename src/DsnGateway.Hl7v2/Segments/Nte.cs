using DsnGateway.Hl7v2.Parsing;

namespace DsnGateway.Hl7v2.Segments;

/// <summary>NTE, a note on the segment it follows (HL7 attaches it to what precedes it, not to the message).</summary>
public sealed class Nte(Segment segment) : SegmentView(segment, "NTE")
{
    public string SetId => Value(1);

    /// <summary>
    /// NTE-3, the comment (FT) as one text: each repetition is a line of the sender's note, so repetitions are joined
    /// by a line break; escapes are decoded (<c>\.br\</c> is a line break too), the blanks senders pad fixed-width lines
    /// with are trimmed from each line's end, and leading or trailing empty lines dropped. Null when nothing is left
    /// (an empty NTE-3, or HL7's explicit null <c>""</c>).
    /// </summary>
    public string? Comment
    {
        get
        {
            var comment = Segment.Field(3);
            if (comment.IsExplicitNull) return null;
            var lines = comment.Repetitions.Select(r => r.Text.TrimEnd()).ToList();
            var text = string.Join(Hl7Escapes.LineBreak, lines).Trim('\n', '\r');
            return string.IsNullOrWhiteSpace(text) ? null : text;
        }
    }
}
