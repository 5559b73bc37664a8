using DsnGateway.Hl7v2.Parsing;

namespace DsnGateway.Hl7v2.Types;

/// <summary>HD, hierarchic designator: a namespace id, optionally a universal id and its type (e.g. an OID and "ISO").</summary>
public sealed record Hd(string NamespaceId, string UniversalId, string UniversalIdType)
{
    /// <summary>An HD that is a whole field repetition (components).</summary>
    public static Hd From(Hl7Repetition r) => new(r.Value(1), r.Value(2), r.Value(3));

    /// <summary>An HD nested in a component of another type (sub-components), such as CX.4.</summary>
    public static Hd From(Hl7Component c) => new(c.SubComponent(1), c.SubComponent(2), c.SubComponent(3));

    public bool IsEmpty => NamespaceId.Length == 0 && UniversalId.Length == 0;
}
