using Hl7.Fhir.Model;
using DsnGateway.Mapping.Codes;
using DsnGateway.Mapping.Patients;

namespace DsnGateway.Mapping.Bundles;

/// <summary>
/// What any mapped message becomes: the transaction to send to the record store, plus the facts the intake needs
/// before committing it (the patient's identity for ordering and conflicts, the source for "latest wins", the local
/// codes that found no map).
/// </summary>
/// <param name="Merged">In a merge (A40), the identity MRG-1 names (the record merged away).</param>
/// <param name="Unmapped">Local codes of this message that no code map translates, each once.</param>
/// <param name="CarriesDemographics">True when the PID is the ADT feed's snapshot of the person, whose
/// demographics may replace the stored ones (latest wins); false for the PID of an order, a charge or an account
/// message, which creates the patient when unknown and adds identifiers but never overwrites demographics
/// (docs/arch/0008).</param>
public sealed record MessageMapping(
    Bundle Bundle,
    Patient Patient,
    PatientIdentity Identity,
    MessageSource Source,
    PatientIdentity? Merged,
    IReadOnlyList<UnmappedCode> Unmapped,
    bool CarriesDemographics)
{
    /// <summary>MSH-7 as an instant: "latest wins" compares these, never the receive time.</summary>
    public DateTimeOffset SourceTime => Source.SourceTime;
}
