namespace DsnGateway.Fhir.Model;

public sealed partial class Patient
{
    /// <summary>
    /// True for a record retired by a merge (FHIR's Patient merge, ADT A40): <c>active: false</c> with a
    /// <c>replaced-by</c> link. Its survivor carries its identifiers (use: old) and answers for it (docs/arch/0011).
    /// A method, not a property, so it is never serialized.
    /// </summary>
    public bool IsRetired() => Active == false && (Link ?? []).Any(l => l.Type == "replaced-by");
}
