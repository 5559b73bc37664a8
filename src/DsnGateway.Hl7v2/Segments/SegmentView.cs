using DsnGateway.Hl7v2.Parsing;
using DsnGateway.Hl7v2.Types;

namespace DsnGateway.Hl7v2.Segments;

/// <summary>
/// Base of the typed segment views: thin, named windows over a parsed <see cref="Parsing.Segment"/>.
/// Nothing is copied; every property reads the segment when asked. Positions follow HL7 v2.5.1.
/// </summary>
public abstract class SegmentView
{
    protected SegmentView(Segment segment, string expectedName)
    {
        ArgumentNullException.ThrowIfNull(segment);
        if (segment.Name != expectedName) throw new ArgumentException($"Expected a {expectedName} segment, got {segment.Name}.", nameof(segment));
        Segment = segment;
    }

    public Segment Segment { get; }

    protected string Value(int field, int component = 1, int subComponent = 1) => Segment.Component(field, component, subComponent);

    protected IReadOnlyList<T> All<T>(int field, Func<Hl7Repetition, T> read) => Segment.Repetitions(field).Select(read).ToList();

    protected T First<T>(int field, Func<Hl7Repetition, T> read) => read(Segment.Field(field).Repetition(1));

    /// <summary>The raw date/time text of a field (component 1); parse with <see cref="Hl7DateTime.TryParse"/> to get errors as values.</summary>
    protected string DateTimeText(int field) => Value(field, 1);
}
