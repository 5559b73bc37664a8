using DsnGateway.Hl7v2.Parsing;

namespace DsnGateway.Hl7v2.Types;

/// <summary>
/// XTN, telecom number. XTN.1 is the old unformatted number (withdrawn in v2.7 but still sent);
/// v2.5+ senders split it into country, area, local number and extension, or put an e-mail in XTN.4.
/// </summary>
public sealed record Xtn(string Number, string UseCode, string EquipmentType, string EmailAddress, string CountryCode, string AreaCode, string LocalNumber, string Extension, string UnformattedNumber)
{
    public static Xtn From(Hl7Repetition r) =>
        new(r.Value(1), r.Value(2), r.Value(3), r.Value(4), r.Value(5), r.Value(6), r.Value(7), r.Value(8), r.Value(12));

    public bool IsEmpty => Number.Length == 0 && EmailAddress.Length == 0 && LocalNumber.Length == 0 && UnformattedNumber.Length == 0;
}
