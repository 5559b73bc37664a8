using DsnGateway.Hl7v2.Parsing;

namespace DsnGateway.Hl7v2.Types;

/// <summary>EI, entity identifier: placer and filler order numbers (ORC-2, ORC-3). The namespace is not part of the value.</summary>
public sealed record Ei(string EntityId, string NamespaceId, string UniversalId, string UniversalIdType)
{
    public static Ei From(Hl7Repetition r) => new(r.Value(1), r.Value(2), r.Value(3), r.Value(4));
}
