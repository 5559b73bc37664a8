using DsnGateway.Hl7v2.Parsing;

namespace DsnGateway.Hl7v2.Types;

/// <summary>XCN, a person with an id (a licence number for practitioners) and a name; XCN.9 says who assigned the id.</summary>
public sealed record Xcn(string Id, string FamilyName, string GivenName, string SecondAndFurtherGivenNames, string Suffix, string Prefix, Hd AssigningAuthority, string IdentifierTypeCode)
{
    public static Xcn From(Hl7Repetition r) =>
        new(r.Value(1), r.Value(2, 1), r.Value(3), r.Value(4), r.Value(5), r.Value(6), Hd.From(r.Component(9)), r.Value(13));

    public bool IsEmpty => Id.Length == 0 && FamilyName.Length == 0 && GivenName.Length == 0;
}
