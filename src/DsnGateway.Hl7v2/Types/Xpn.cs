using DsnGateway.Hl7v2.Parsing;

namespace DsnGateway.Hl7v2.Types;

/// <summary>XPN, person name. XPN.1 is an FN whose first sub-component is the surname.</summary>
public sealed record Xpn(string FamilyName, string GivenName, string SecondAndFurtherGivenNames, string Suffix, string Prefix, string Degree, string NameTypeCode)
{
    public static Xpn From(Hl7Repetition r) =>
        new(r.Value(1, 1), r.Value(2), r.Value(3), r.Value(4), r.Value(5), r.Value(6), r.Value(7));

    public bool IsEmpty => FamilyName.Length == 0 && GivenName.Length == 0 && SecondAndFurtherGivenNames.Length == 0;
}
