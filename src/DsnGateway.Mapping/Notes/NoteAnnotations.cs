using Hl7.Fhir.Model;
using DsnGateway.Hl7v2.Segments;

namespace DsnGateway.Mapping.Notes;

/// <summary>
/// NTE to Annotation, after the HL7 v2-to-FHIR IG (NTE → Annotation): one Annotation per NTE, its text NTE-3
/// (<see cref="Nte.Comment"/>). An NTE without text gives none, as Annotation.text is required.
/// </summary>
public static class NoteAnnotations
{
    /// <summary>The notes as Annotations; an empty list when there are none (an empty <c>note</c> is not written).</summary>
    public static List<Annotation> From(IEnumerable<Nte> notes)
    {
        ArgumentNullException.ThrowIfNull(notes);
        return notes.Select(n => n.Comment).OfType<string>().Select(text => new Annotation { Text = text }).ToList();
    }
}
