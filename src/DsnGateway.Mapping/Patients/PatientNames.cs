using Hl7.Fhir.Model;
using DsnGateway.Hl7v2.Parsing;
using DsnGateway.Hl7v2.Types;

namespace DsnGateway.Mapping.Patients;

/// <summary>XPN (PID-5, every repetition) to HumanName, after the HL7 v2-to-FHIR IG's XPN map.</summary>
internal static class PatientNames
{
    public static List<HumanName> Map(IReadOnlyList<Hl7Repetition> repetitions)
    {
        var names = new List<HumanName>();
        foreach (var r in repetitions)
        {
            var xpn = Xpn.From(r);
            var name = new HumanName
            {
                Family = Hl7Values.Clean(xpn.FamilyName),
                // XPN.3 holds the middle names: FHIR keeps them as further given names, in order.
                Given = Hl7Values.ListOf(xpn.GivenName, xpn.SecondAndFurtherGivenNames),
                Prefix = Hl7Values.ListOf(xpn.Prefix),
                // XPN.4 suffix, XPN.6 degree and XPN.14 professional suffix are all suffixes in FHIR.
                Suffix = Hl7Values.ListOf(xpn.Suffix, xpn.Degree, r.Value(14)),
                Use = Use(xpn.NameTypeCode),
            };
            if (name.Family is null && !name.Given.Any()) continue;
            names.Add(name);
        }
        return names;
    }

    /// <summary>
    /// Table 0200 to name-use (IG ConceptMap table-hl70200-to-name-use, plus A = alias in v2.5.1, read as usual).
    /// Codes without a FHIR counterpart leave <c>use</c> empty rather than guessing.
    /// </summary>
    internal static HumanName.NameUse? Use(string? code) => Hl7Values.Clean(code)?.ToUpperInvariant() switch
    {
        "L" => HumanName.NameUse.Official,
        "D" or "A" => HumanName.NameUse.Usual,
        "M" => HumanName.NameUse.Maiden,
        "N" => HumanName.NameUse.Nickname,
        "S" => HumanName.NameUse.Anonymous,
        "TEMP" => HumanName.NameUse.Temp,
        "BAD" or "NOUSE" => HumanName.NameUse.Old,
        _ => null,
    };
}
