using DsnGateway.Hl7v2.Parsing;

namespace DsnGateway.Hl7v2.Types;

/// <summary>CWE / CE, a coded element: code, text and coding system, then an alternate triple.</summary>
public sealed record Cwe(string Identifier, string Text, string CodingSystem, string AlternateIdentifier, string AlternateText, string AlternateCodingSystem)
{
    public static Cwe From(Hl7Repetition r) => new(r.Value(1), r.Value(2), r.Value(3), r.Value(4), r.Value(5), r.Value(6));

    /// <summary>A CWE nested in a component (sub-components), such as RXE-2's parts in some profiles.</summary>
    public static Cwe From(Hl7Component c) => new(c.SubComponent(1), c.SubComponent(2), c.SubComponent(3), c.SubComponent(4), c.SubComponent(5), c.SubComponent(6));

    public bool IsEmpty => Identifier.Length == 0 && Text.Length == 0;
}
