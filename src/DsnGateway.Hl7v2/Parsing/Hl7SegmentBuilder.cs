namespace DsnGateway.Hl7v2.Parsing;

/// <summary>
/// A segment being written. Values are plain text: the encoder escapes delimiters in them, so any value
/// survives the trip through ER7. Positions are 1-based HL7 positions (MSH-1 and MSH-2 come from the delimiters).
/// </summary>
public sealed class Hl7SegmentBuilder
{
    /// <summary>Guards against a typo writing a segment of a million empty fields.</summary>
    public const int MaxPosition = 10_000;

    // field -> repetition -> component -> sub-component -> value; raw fields bypass escaping.
    private readonly SortedDictionary<int, SortedDictionary<int, SortedDictionary<int, SortedDictionary<int, string>>>> _values = [];
    private readonly SortedDictionary<int, string> _raw = [];

    public Hl7SegmentBuilder(string name)
    {
        if (name is not { Length: 3 } || !name.All(char.IsAsciiLetterOrDigit)) throw new ArgumentException($"'{name}' is not a segment name.", nameof(name));
        Name = name;
    }

    public string Name { get; }

    public Hl7SegmentBuilder Set(int field, string? value) => Set(field, 1, 1, 1, value);

    public Hl7SegmentBuilder Set(int field, int component, string? value) => Set(field, 1, component, 1, value);

    public Hl7SegmentBuilder Set(int field, int repetition, int component, int subComponent, string? value)
    {
        Check(field, nameof(field));
        Check(repetition, nameof(repetition));
        Check(component, nameof(component));
        Check(subComponent, nameof(subComponent));
        if (IsHeaderDelimiterField(field)) throw new ArgumentOutOfRangeException(nameof(field), $"{Name}-1 and {Name}-2 come from the delimiters.");
        _raw.Remove(field);
        var reps = Get(_values, field);
        var comps = Get(reps, repetition);
        var subs = Get(comps, component);
        subs[subComponent] = value ?? "";
        return this;
    }

    /// <summary>Sets a value at a path such as <c>3[2].4.1</c>.</summary>
    public Hl7SegmentBuilder Set(string path, string? value)
    {
        var p = Hl7Path.Parse(path);
        if (p.Segment is not null && p.Segment != Name) throw new ArgumentException($"Path {path} is not in segment {Name}.", nameof(path));
        return Set(p.Field, p.Repetition, p.Component, p.SubComponent, value);
    }

    /// <summary>Sets a field already in ER7 (delimiters and escapes as they must appear), e.g. copied from a received message.</summary>
    public Hl7SegmentBuilder SetRaw(int field, string raw)
    {
        Check(field, nameof(field));
        if (IsHeaderDelimiterField(field)) throw new ArgumentOutOfRangeException(nameof(field), $"{Name}-1 and {Name}-2 come from the delimiters.");
        _values.Remove(field);
        _raw[field] = raw;
        return this;
    }

    internal string Encode(Hl7Escapes escapes)
    {
        var d = escapes.Delimiters;
        var isHeader = Name is "MSH" or "BHS" or "FHS";
        var last = Math.Max(_values.Count > 0 ? _values.Keys.Max() : 0, _raw.Count > 0 ? _raw.Keys.Max() : 0);
        var sb = new System.Text.StringBuilder(Name);
        var first = 1;
        if (isHeader)
        {
            sb.Append(d.Field).Append(d.EncodingCharacters);
            first = 3;
        }
        for (var f = first; f <= last; f++)
        {
            sb.Append(d.Field);
            if (_raw.TryGetValue(f, out var raw)) sb.Append(raw);
            else if (_values.TryGetValue(f, out var reps)) AppendField(sb, reps, escapes);
        }
        return sb.ToString();
    }

    private static void AppendField(System.Text.StringBuilder sb, SortedDictionary<int, SortedDictionary<int, SortedDictionary<int, string>>> reps, Hl7Escapes escapes)
    {
        var d = escapes.Delimiters;
        for (var r = 1; r <= reps.Keys.Max(); r++)
        {
            if (r > 1) sb.Append(d.Repetition);
            if (!reps.TryGetValue(r, out var comps)) continue;
            for (var c = 1; c <= comps.Keys.Max(); c++)
            {
                if (c > 1) sb.Append(d.Component);
                if (!comps.TryGetValue(c, out var subs)) continue;
                for (var s = 1; s <= subs.Keys.Max(); s++)
                {
                    if (s > 1) sb.Append(d.SubComponent);
                    if (subs.TryGetValue(s, out var value)) sb.Append(escapes.Encode(value));
                }
            }
        }
    }

    private bool IsHeaderDelimiterField(int field) => field <= 2 && Name is "MSH" or "BHS" or "FHS";

    private static void Check(int position, string name)
    {
        if (position is < 1 or > MaxPosition) throw new ArgumentOutOfRangeException(name, position, $"HL7 positions run from 1 to {MaxPosition}.");
    }

    private static TValue Get<TValue>(SortedDictionary<int, TValue> map, int key) where TValue : new()
    {
        if (!map.TryGetValue(key, out var value)) map[key] = value = new TValue();
        return value;
    }
}
