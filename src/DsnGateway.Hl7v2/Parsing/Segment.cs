namespace DsnGateway.Hl7v2.Parsing;

/// <summary>
/// One segment. Fields are numbered as HL7 numbers them: for MSH, field 1 is the field separator itself
/// and field 2 the encoding characters, so MSH-3 is the first value after them (the "MSH quirk").
/// </summary>
public sealed class Segment
{
    // Index = HL7 field position; index 0 is the segment name.
    private readonly string[] _fields;
    private readonly Hl7Escapes _escapes;

    internal Segment(string raw, string[] fields, Hl7Escapes escapes)
    {
        Raw = raw;
        _fields = fields;
        _escapes = escapes;
    }

    public string Name => _fields[0];

    /// <summary>The segment as it was sent (without its terminator).</summary>
    public string Raw { get; }

    /// <summary>The highest field position present.</summary>
    public int FieldCount => _fields.Length - 1;

    private bool IsHeader => Name is "MSH" or "BHS" or "FHS";

    public Hl7Field Field(int position) =>
        position < 1 || position >= _fields.Length
            ? new Hl7Field("", _escapes)
            : new Hl7Field(_fields[position], _escapes, literal: IsHeader && position <= 2);

    public IReadOnlyList<Hl7Repetition> Repetitions(int field) => Field(field).Repetitions;

    /// <summary>The unescaped value at a component of the field's first repetition.</summary>
    public string Component(int field, int component, int subComponent = 1) => Field(field).Component(component, subComponent);

    /// <summary>The unescaped value at any position of this segment.</summary>
    public string Value(int field, int repetition = 1, int component = 1, int subComponent = 1) =>
        Field(field).Repetition(repetition).Value(component, subComponent);

    /// <summary>The unescaped value at a path such as <c>3[2].4.1</c> (or <c>PID-3[2].4.1</c>); empty when absent or malformed.</summary>
    public string Get(string path)
    {
        if (!Hl7Path.TryParse(path, out var p)) return "";
        if (p.Segment is not null && p.Segment != Name) return "";
        return Value(p.Field, p.Repetition, p.Component, p.SubComponent);
    }

    public override string ToString() => Raw;
}
