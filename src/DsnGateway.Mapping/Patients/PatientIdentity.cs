using Hl7.Fhir.Model;
using DsnGateway.Mapping.Establishments;
using DsnGateway.Mapping.Identity;

namespace DsnGateway.Mapping.Patients;

/// <summary>What a patient is known by: the NAM when the message carries one, else an MRN.</summary>
public enum PatientIdentityKind
{
    /// <summary>The Quebec health number: the same person from any establishment (one person, one Patient).</summary>
    Nam,
    /// <summary>A medical record number: a message without a NAM identifies the patient by MRN only.</summary>
    Mrn,
}

/// <summary>
/// The identity key of a mapped patient, <c>system|value</c>: the NAM if present, else the MRN. It names the
/// Patient in the conditional update (<c>PUT Patient?identifier=system|value</c>) and is the ingestion's
/// per-patient ordering key, so two messages about one person are never applied concurrently.
/// </summary>
public sealed record PatientIdentity(PatientIdentityKind Kind, string System, string Value)
{
    /// <summary><c>system|value</c>, the FHIR token form; also the ordering key.</summary>
    public string Key => $"{System}|{Value}";

    /// <summary>
    /// The conditional URL of a transaction entry. The system is one of ours (no reserved characters); the value
    /// is escaped so that an MRN holding <c>&amp;</c>, <c>|</c> or a space cannot change the search.
    /// </summary>
    public string ConditionalUrl => $"Patient?identifier={System}|{Uri.EscapeDataString(Value)}";

    public override string ToString() => Key;

    /// <summary>
    /// The identity of a mapped Patient: its NAM; else the MRN of the sending establishment; else its first MRN.
    /// Null when it has neither (the mapper refuses such a PID, so this only happens for hand-built Patients).
    /// </summary>
    public static PatientIdentity? Of(Patient patient, Establishment? sender = null)
    {
        ArgumentNullException.ThrowIfNull(patient);
        var ids = patient.Identifier;
        if (ids.FirstOrDefault(i => i.System == QuebecHealthNumber.System && !string.IsNullOrEmpty(i.Value)) is { } nam)
            return new PatientIdentity(PatientIdentityKind.Nam, nam.System!, nam.Value!);
        var mrns = ids.Where(i => i.System is not null && i.System.StartsWith(MrnPrefix, StringComparison.Ordinal) && !string.IsNullOrEmpty(i.Value)).ToList();
        var mrn = mrns.FirstOrDefault(i => sender is not null && i.System == sender.MrnSystem) ?? mrns.FirstOrDefault();
        return mrn is null ? null : new PatientIdentity(PatientIdentityKind.Mrn, mrn.System!, mrn.Value!);
    }

    /// <summary>Every MRN system starts with this (<c>urn:dsn:mrn:nim</c>).</summary>
    public const string MrnPrefix = "urn:dsn:mrn:";
}
