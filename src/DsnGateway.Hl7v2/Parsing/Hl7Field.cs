namespace DsnGateway.Hl7v2.Parsing;

/// <summary>
/// One field of a segment, all its repetitions, as sent. A view: nothing is split until asked for, and
/// positions past what was sent read as empty (HL7 trims trailing empty fields and components freely).
/// </summary>
public readonly struct Hl7Field
{
    private readonly Hl7Escapes? _escapes;
    // MSH-1 and MSH-2 hold the delimiters themselves: never split, never unescaped.
    private readonly bool _literal;

    internal Hl7Field(string raw, Hl7Escapes escapes, bool literal = false)
    {
        Raw = raw;
        _escapes = escapes;
        _literal = literal;
    }

    /// <summary>The field as it was sent, delimiters and escapes included.</summary>
    public string Raw { get => field ?? ""; }

    public bool IsEmpty => Raw.Length == 0;

    /// <summary>HL7's explicit null (<c>""</c>): the sender says "delete what you had", unlike an empty field.</summary>
    public bool IsExplicitNull => Raw == "\"\"";

    public int RepetitionCount =>
        IsEmpty ? 0 : _literal || _escapes is null ? 1 : Hl7Text.Count(Raw, _escapes.Delimiters.Repetition);

    /// <summary>Repetition <paramref name="repetition"/> (1-based); empty when absent.</summary>
    public Hl7Repetition Repetition(int repetition)
    {
        if (_escapes is null || repetition < 1) return default;
        if (_literal) return repetition == 1 ? new Hl7Repetition(Raw, _escapes, literal: true) : default;
        return new Hl7Repetition(Hl7Text.Piece(Raw, _escapes.Delimiters.Repetition, repetition), _escapes);
    }

    public IReadOnlyList<Hl7Repetition> Repetitions
    {
        get
        {
            var count = RepetitionCount;
            var list = new Hl7Repetition[count];
            if (count == 0) return list;
            if (_literal) { list[0] = Repetition(1); return list; }
            var i = 0;
            foreach (var piece in Hl7Text.Pieces(Raw, _escapes!.Delimiters.Repetition)) list[i++] = new Hl7Repetition(piece, _escapes);
            return list;
        }
    }

    /// <summary>The first repetition's first component and sub-component, unescaped.</summary>
    public string Value => Repetition(1).Value();

    /// <summary>Component <paramref name="component"/> (sub-component <paramref name="subComponent"/>) of the first repetition, unescaped.</summary>
    public string Component(int component, int subComponent = 1) => Repetition(1).Value(component, subComponent);

    public override string ToString() => Raw;
}

/// <summary>One repetition of a field: its components.</summary>
public readonly struct Hl7Repetition
{
    private readonly Hl7Escapes? _escapes;
    private readonly bool _literal;

    internal Hl7Repetition(string raw, Hl7Escapes escapes, bool literal = false)
    {
        Raw = raw;
        _escapes = escapes;
        _literal = literal;
    }

    public string Raw { get => field ?? ""; }

    public bool IsEmpty => Raw.Length == 0;

    public int ComponentCount =>
        IsEmpty ? 0 : _literal || _escapes is null ? 1 : Hl7Text.Count(Raw, _escapes.Delimiters.Component);

    public Hl7Component Component(int component)
    {
        if (_escapes is null || component < 1) return default;
        if (_literal) return component == 1 ? new Hl7Component(Raw, _escapes, literal: true) : default;
        return new Hl7Component(Hl7Text.Piece(Raw, _escapes.Delimiters.Component, component), _escapes);
    }

    /// <summary>The unescaped text at component <paramref name="component"/>, sub-component <paramref name="subComponent"/>.</summary>
    public string Value(int component, int subComponent = 1) => Component(component).SubComponent(subComponent);

    /// <summary>The first component's first sub-component, unescaped.</summary>
    public string Value() => Value(1);

    /// <summary>
    /// The whole repetition as one text, escapes decoded. For the free-text types (FT, TX), which have no components:
    /// a component or sub-component separator a sender left unescaped in a comment is part of what they wrote.
    /// </summary>
    public string Text => _literal || _escapes is null ? Raw : _escapes.Decode(Raw);

    public override string ToString() => Raw;
}

/// <summary>One component of a repetition: its sub-components.</summary>
public readonly struct Hl7Component
{
    private readonly Hl7Escapes? _escapes;
    private readonly bool _literal;

    internal Hl7Component(string raw, Hl7Escapes escapes, bool literal = false)
    {
        Raw = raw;
        _escapes = escapes;
        _literal = literal;
    }

    public string Raw { get => field ?? ""; }

    public bool IsEmpty => Raw.Length == 0;

    public int SubComponentCount =>
        IsEmpty ? 0 : _literal || _escapes is null ? 1 : Hl7Text.Count(Raw, _escapes.Delimiters.SubComponent);

    /// <summary>Sub-component <paramref name="subComponent"/> (1-based), unescaped; empty when absent.</summary>
    public string SubComponent(int subComponent)
    {
        if (_escapes is null || subComponent < 1) return "";
        if (_literal) return subComponent == 1 ? Raw : "";
        return _escapes.Decode(Hl7Text.Piece(Raw, _escapes.Delimiters.SubComponent, subComponent));
    }

    /// <summary>The first sub-component, unescaped.</summary>
    public string Value => SubComponent(1);

    public override string ToString() => Raw;
}
