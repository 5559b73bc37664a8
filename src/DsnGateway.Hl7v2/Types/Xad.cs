using DsnGateway.Hl7v2.Parsing;

namespace DsnGateway.Hl7v2.Types;

/// <summary>XAD, extended address. XAD.1 is an SAD whose first sub-component is the street line.</summary>
public sealed record Xad(string Street, string OtherDesignation, string City, string StateOrProvince, string PostalCode, string Country, string AddressType)
{
    public static Xad From(Hl7Repetition r) =>
        new(r.Value(1, 1), r.Value(2), r.Value(3), r.Value(4), r.Value(5), r.Value(6), r.Value(7));

    public bool IsEmpty => Street.Length == 0 && OtherDesignation.Length == 0 && City.Length == 0 && StateOrProvince.Length == 0 && PostalCode.Length == 0 && Country.Length == 0;
}
