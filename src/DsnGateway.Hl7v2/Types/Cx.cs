using DsnGateway.Hl7v2.Parsing;

namespace DsnGateway.Hl7v2.Types;

/// <summary>CX, extended composite id: an identifier, who assigned it (CX.4) and what kind it is (CX.5, table 0203).</summary>
public sealed record Cx(string Id, string CheckDigit, Hd AssigningAuthority, string IdentifierTypeCode, Hd AssigningFacility, string EffectiveDate, string ExpirationDate)
{
    public static Cx From(Hl7Repetition r) =>
        new(r.Value(1), r.Value(2), Hd.From(r.Component(4)), r.Value(5), Hd.From(r.Component(6)), r.Value(7), r.Value(8));
}
