using DsnGateway.Authentication;
using DsnGateway.RecordStore.Search;

namespace DsnGateway.Authorization;

/// <summary>
/// Who may see which patient, as search parameters the store applies inside the query: a clinician sees
/// patients carrying an MRN of their establishment, or linked to one that does (a merge: docs/arch/0011); nobody sees
/// a restricted patient, or one linked to a restricted patient, without break-the-glass;
/// a patient-context grant sees only its patient. Applied in the query, never by filtering the answer, so
/// totals, counts and pages reveal nothing outside the relationship.
/// </summary>
internal static class CareRelationshipPolicy
{
    public const string ConfidentialitySystem = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality";
    public const string Restricted = "R";

    /// <summary>Types whose resources belong to a patient, and the search parameter naming that patient.</summary>
    public static readonly IReadOnlyDictionary<string, string?> PatientLink = new Dictionary<string, string?>(StringComparer.Ordinal)
    {
        ["Patient"] = null,
        ["MedicationRequest"] = "patient",
        ["Procedure"] = "patient",
    };

    /// <summary>Types that hold no patient data (reference data); readable with a matching scope.</summary>
    public static readonly IReadOnlySet<string> ReferenceData = new HashSet<string>(StringComparer.Ordinal) { "Practitioner", "Organization", "Medication" };

    /// <summary>
    /// True when the reference parameter <paramref name="parameter"/> of <paramref name="sourceType"/> joins a record
    /// to its own patient (MedicationRequest:patient, Procedure:subject), so an include through it adds nothing the
    /// confined matches do not already show. Any other join (Patient:link) may reach another patient.
    /// </summary>
    public static bool JoinsOwnPatient(string sourceType, string parameter) =>
        PatientLink.TryGetValue(sourceType, out var link) && link is not null && (parameter == link || parameter == "subject");

    /// <summary>Whether a security label (system, code) is the restriction: v3-Confidentiality R.</summary>
    public static bool IsRestrictionLabel(string? system, string? code) => system == ConfidentialitySystem && code == Restricted;

    public static string MrnSystem(string establishment) => $"urn:dsn:mrn:{establishment.ToLowerInvariant()}";

    /// <summary>
    /// Whether the caller sees only patients of their own establishment (a clinician without break-the-glass); else
    /// every patient, restricted ones aside without break-the-glass.
    /// </summary>
    public static bool ConfinedToEstablishment(CallerIdentity caller, bool breakGlass) => !breakGlass && caller.Role == CallerIdentity.Clinician;

    public static IReadOnlyList<KeyValuePair<string, string>> Restrictions(CallerIdentity caller, string resourceType, bool breakGlass, string? patientContext)
    {
        if (!PatientLink.TryGetValue(resourceType, out var link)) return [];
        var prefix = link is null ? "" : link + ".";
        var added = new List<KeyValuePair<string, string>>();
        if (!breakGlass)
        {
            // On the patient and the patients its links name: a record merged away (A40) is seen by whoever sees its
            // survivor, and is restricted when its survivor is (and the other way round): docs/arch/0011.
            if (ConfinedToEstablishment(caller, breakGlass))
                added.Add(KeyValuePair.Create(prefix + SearchParameterRegistry.LinkedIdentifier, MrnSystem(caller.Establishment!) + "|"));
            added.Add(KeyValuePair.Create(prefix + SearchParameterRegistry.LinkedSecurity + ":not", $"{ConfidentialitySystem}|{Restricted}"));
        }
        if (patientContext is not null)
            added.Add(link is null ? KeyValuePair.Create("_id", patientContext) : KeyValuePair.Create(link, "Patient/" + patientContext));
        return added;
    }
}
