using System.Text.RegularExpressions;
using Hl7.Fhir.Model;
using DsnGateway.Hl7v2.Parsing;
using DsnGateway.Hl7v2.Types;

namespace DsnGateway.Mapping.Patients;

/// <summary>XAD (PID-11) to Address and XTN (PID-13, PID-14) to ContactPoint, after the HL7 v2-to-FHIR IG.</summary>
internal static partial class PatientContacts
{
    public static List<Address> Addresses(IReadOnlyList<Hl7Repetition> repetitions)
    {
        var list = new List<Address>();
        foreach (var r in repetitions)
        {
            var xad = Xad.From(r);
            // XAD.1 is an SAD: street or mailing address, street name, dwelling number. Senders that split it
            // still mean one line ("1000" & "Hospital Lane" is "1000 Hospital Lane").
            var sad = r.Component(1);
            var street = string.Join(" ", new[] { sad.SubComponent(1), sad.SubComponent(2), sad.SubComponent(3) }.Select(Hl7Values.Clean).Where(s => s is not null));
            var country = Hl7Values.Clean(xad.Country);
            var (use, type) = AddressUseAndType(xad.AddressType);
            var address = new Address
            {
                Line = Hl7Values.ListOf(street, xad.OtherDesignation),
                City = Hl7Values.Clean(xad.City),
                State = Hl7Values.Clean(xad.StateOrProvince),
                PostalCode = PostalCode(Hl7Values.Clean(xad.PostalCode), country),
                Country = country,
                Use = use,
                Type = type,
            };
            if (!address.Line.Any() && address.City is null && address.State is null && address.PostalCode is null && address.Country is null) continue;
            list.Add(address);
        }
        return list;
    }

    /// <summary>Table 0190 to Address.use / Address.type (IG ConceptMap table-hl70190).</summary>
    internal static (Address.AddressUse? Use, Address.AddressType? Type) AddressUseAndType(string? code) => Hl7Values.Clean(code)?.ToUpperInvariant() switch
    {
        "H" or "P" or "RH" => (Address.AddressUse.Home, null),
        "B" or "O" => (Address.AddressUse.Work, null),
        "C" or "V" => (Address.AddressUse.Temp, null),
        "BA" => (Address.AddressUse.Old, null),
        "BI" => (Address.AddressUse.Billing, null),
        "M" or "SH" => (null, Address.AddressType.Postal),
        _ => (null, null),
    };

    /// <summary>
    /// A Canadian postal code in the CA Baseline form "ANA NAN" (upper case, one space, no hyphen); any other
    /// code is kept as sent.
    /// </summary>
    internal static string? PostalCode(string? code, string? country)
    {
        if (code is null) return null;
        var compact = code.Replace(" ", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal).ToUpperInvariant();
        var canadian = country is null || country.ToUpperInvariant() is "CA" or "CAN" or "CANADA";
        return canadian && CanadianPostalCode().IsMatch(compact) ? $"{compact[..3]} {compact[3..]}" : code;
    }

    [GeneratedRegex("^[A-Z][0-9][A-Z][0-9][A-Z][0-9]$")]
    private static partial Regex CanadianPostalCode();

    /// <param name="defaultUse">home for PID-13, work for PID-14, when XTN.2 does not say.</param>
    public static IEnumerable<ContactPoint> Telecom(IReadOnlyList<Hl7Repetition> repetitions, ContactPoint.ContactPointUse defaultUse)
    {
        foreach (var r in repetitions)
        {
            var xtn = Xtn.From(r);
            var useCode = Hl7Values.Clean(xtn.UseCode)?.ToUpperInvariant();
            var equipment = Hl7Values.Clean(xtn.EquipmentType)?.ToUpperInvariant();
            var email = Hl7Values.Clean(xtn.EmailAddress);
            var isEmail = useCode == "NET" || equipment is "INTERNET" or "X.400" || (email is not null && Phone(xtn) is null);

            var value = isEmail ? email ?? Hl7Values.Clean(xtn.Number) : Phone(xtn);
            if (value is null) continue;
            yield return new ContactPoint
            {
                System = isEmail ? ContactPoint.ContactPointSystem.Email : equipment switch
                {
                    "FX" => ContactPoint.ContactPointSystem.Fax,
                    "BP" => ContactPoint.ContactPointSystem.Pager,
                    "TDD" or "TTY" or "MD" => ContactPoint.ContactPointSystem.Other,
                    _ => ContactPoint.ContactPointSystem.Phone,
                },
                Value = value,
                Use = equipment == "CP" ? ContactPoint.ContactPointUse.Mobile : useCode switch
                {
                    "PRN" or "ORN" or "VHN" => ContactPoint.ContactPointUse.Home,
                    "WPN" => ContactPoint.ContactPointUse.Work,
                    _ => defaultUse,
                },
            };
        }
    }

    /// <summary>
    /// The number as the sender wrote it: XTN.12 (unformatted, v2.6+), else the v2.5 components
    /// (+country area local xExtension), else the old XTN.1.
    /// </summary>
    private static string? Phone(Xtn xtn)
    {
        if (Hl7Values.Clean(xtn.UnformattedNumber) is { } unformatted) return unformatted;
        if (Hl7Values.Clean(xtn.LocalNumber) is { } local)
        {
            var parts = new[] { Hl7Values.Clean(xtn.CountryCode) is { } cc ? "+" + cc.TrimStart('+') : null, Hl7Values.Clean(xtn.AreaCode), local };
            var number = string.Join(" ", parts.Where(p => p is not null));
            return Hl7Values.Clean(xtn.Extension) is { } ext ? $"{number} x{ext}" : number;
        }
        return Hl7Values.Clean(xtn.Number);
    }
}
