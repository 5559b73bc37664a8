using Hl7.Fhir.Model;

namespace DsnGateway.Fhir.Model;

public static class PatientExtensions
{
    /// <summary>
    /// True for a record retired by a merge (FHIR's Patient merge, ADT A40): <c>active: false</c> with a
    /// <c>replaced-by</c> link. Its survivor carries its identifiers (use: old) and answers for it (docs/arch/0011).
    /// </summary>
    public static bool IsRetired(this Patient patient) =>
        patient.Active == false && patient.Link.Any(l => l.Type == Patient.LinkType.ReplacedBy);
}
