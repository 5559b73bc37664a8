using Hl7.Fhir.Model;

namespace DsnGateway.Mapping.Codes;

/// <summary>
/// A code as the record will hold it: the standard coding first when there is one, the sender's own coding
/// beside it (a mapped code keeps its local coding), and <see cref="Unmapped"/> set when no standard was found.
/// </summary>
public sealed record CodeTranslation(CodeableConcept Concept, UnmappedCode? Unmapped);
