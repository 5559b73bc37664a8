using Hl7.Fhir.Model;
using DsnGateway.Hl7v2.Types;

namespace DsnGateway.Mapping.Patients;

/// <summary>The coded PID fields: sex (table 0001), marital status (table 0002), language (PID-15).</summary>
internal static class PatientCodes
{
    public const string MaritalStatusSystem = "http://terminology.hl7.org/CodeSystem/v3-MaritalStatus";
    public const string NullFlavorSystem = "http://terminology.hl7.org/CodeSystem/v3-NullFlavor";
    public const string LanguageSystem = "urn:ietf:bcp:47";

    /// <summary>
    /// Table 0001 to administrative gender (IG ConceptMap table-hl70001): F female, M male, O and A other,
    /// U and N unknown. Another code is kept as unknown rather than refusing the whole message for it: the sex
    /// only decides the NAM check when it is M or F.
    /// </summary>
    public static AdministrativeGender? Gender(string? code) => Hl7Values.Clean(code)?.ToUpperInvariant() switch
    {
        null => null,
        "F" => AdministrativeGender.Female,
        "M" => AdministrativeGender.Male,
        "O" or "A" => AdministrativeGender.Other,
        _ => AdministrativeGender.Unknown,
    };

    /// <summary>Table 0002 to v3 MaritalStatus (IG ConceptMap table-hl70002); an unknown code is kept as text only.</summary>
    public static CodeableConcept? MaritalStatus(Cwe cwe)
    {
        var code = Hl7Values.Clean(cwe.Identifier);
        var text = Hl7Values.Clean(cwe.Text);
        if (code is null && text is null) return null;
        var (system, target, display) = code?.ToUpperInvariant() switch
        {
            "A" or "E" => (MaritalStatusSystem, "L", "Legally Separated"),
            "D" => (MaritalStatusSystem, "D", "Divorced"),
            "M" => (MaritalStatusSystem, "M", "Married"),
            "S" => (MaritalStatusSystem, "S", "Never Married"),
            "W" => (MaritalStatusSystem, "W", "Widowed"),
            "C" => (MaritalStatusSystem, "C", "Common Law"),
            "G" or "P" or "R" => (MaritalStatusSystem, "T", "Domestic partner"),
            "N" => (MaritalStatusSystem, "A", "Annulled"),
            "I" => (MaritalStatusSystem, "I", "Interlocutory"),
            "B" => (MaritalStatusSystem, "U", "unmarried"),
            "U" or "T" => (NullFlavorSystem, "UNK", "unknown"),
            "O" => (NullFlavorSystem, "OTH", "other"),
            _ => ((string?)null, (string?)null, (string?)null),
        };
        return new CodeableConcept
        {
            Coding = system is null ? [] : [new Coding { System = system, Code = target, Display = display }],
            Text = system is null ? text ?? code : text,
        };
    }

    /// <summary>
    /// PID-15 to a BCP 47 language: two-letter codes as they are, the ISO 639-2 and common local codes of
    /// Quebec senders (FRA, ANG...) translated; anything else kept as text so nothing is invented.
    /// </summary>
    public static Patient.CommunicationComponent? Communication(Cwe cwe)
    {
        var code = Hl7Values.Clean(cwe.Identifier);
        var text = Hl7Values.Clean(cwe.Text);
        if (code is null && text is null) return null;
        var bcp47 = code?.ToLowerInvariant() switch
        {
            null => null,
            "fra" or "fre" or "fr" or "f" or "fr-ca" => "fr",
            "eng" or "ang" or "en" or "e" or "en-ca" => "en",
            "spa" or "esp" or "es" => "es",
            "ara" or "ar" => "ar",
            "ita" or "it" => "it",
            "por" or "pt" => "pt",
            "deu" or "ger" or "de" => "de",
            "zho" or "chi" or "zh" => "zh",
            "vie" or "vi" => "vi",
            "iku" or "iu" => "iu",
            "cre" or "cr" => "cr",
            var c when c.Length == 2 && c.All(char.IsAsciiLetter) => c,
            _ => null,
        };
        return new Patient.CommunicationComponent
        {
            Language = new CodeableConcept
            {
                Coding = bcp47 is null ? [] : [new Coding { System = LanguageSystem, Code = bcp47 }],
                Text = text ?? (bcp47 is null ? code : null),
            },
            // PID-15 is the primary language.
            Preferred = true,
        };
    }
}
