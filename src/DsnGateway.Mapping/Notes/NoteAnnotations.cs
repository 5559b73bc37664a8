using DsnGateway.Fhir.Model;
using DsnGateway.Hl7v2.Segments;

namespace DsnGateway.Mapping.Notes;

/// <summary>
/// NTE to Annotation, after the HL7 v2-to-FHIR IG (NTE → Annotation): one Annotation per NTE, its text NTE-3
/// (<see cref="Nte.Comment"/>). An NTE without text gives none, as Annotation.text is required.
/// </summary>
public static class NoteAnnotations
{
    /// <summary>The notes as Annotations; null when there are none, so the resource has no empty <c>note</c>.</summary>
    public static List<Annotation>? From(IEnumerable<Nte> notes)
    {
        ArgumentNullException.ThrowIfNull(notes);
        var annotations = notes.Select(n => n.Comment).OfType<string>().Select(text => new Annotation { Text = text }).ToList();
        return annotations.Count == 0 ? null : annotations;
    }
}
