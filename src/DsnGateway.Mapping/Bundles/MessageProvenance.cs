using DsnGateway.Fhir.Model;
using DsnGateway.Fhir.Primitives;
using DsnGateway.Mapping.Establishments;

namespace DsnGateway.Mapping.Bundles;

/// <summary>
/// The Provenance of what one HL7 message wrote: which establishment and application sent it, its control id
/// and source time, and when the gateway received it. It lets anyone trace a record back to the message behind it.
/// </summary>
public static class MessageProvenance
{
    public const string ParticipantTypeSystem = "http://terminology.hl7.org/CodeSystem/provenance-participant-type";
    public const string EventTypeSystem = "http://terminology.hl7.org/CodeSystem/v2-0003";

    /// <param name="targets">References (usually <c>urn:uuid:</c> fullUrls of the same transaction) to what the message wrote.</param>
    /// <param name="receivedAt">When the gateway received the message: <c>recorded</c>.</param>
    public static Provenance Create(MessageSource source, IEnumerable<string> targets, DateTimeOffset receivedAt)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(targets);
        var establishment = source.Establishment;
        var organization = new Reference
        {
            Type = Organization.TypeName,
            Identifier = new Identifier { System = Establishment.IdentifierSystem, Value = establishment.Code },
            Display = establishment.Name,
        };
        return new Provenance
        {
            Target = targets.Select(t => new Reference { ReferenceValue = t }).ToList(),
            // MSH-7: when the source says the event was recorded on its side.
            OccurredDateTime = source.SourceTimeFhir,
            Recorded = FhirDateTime.FormatInstant(receivedAt),
            Activity = new CodeableConcept
            {
                Coding = [new Coding { System = EventTypeSystem, Code = source.TriggerEvent }],
                Text = source.MessageType,
            },
            Agent =
            [
                // The establishment is the author of the information...
                new ProvenanceAgent
                {
                    Type = Participant("author", "Author"),
                    Who = organization,
                },
                // ...its legacy application (MSH-3) assembled the message on its behalf.
                new ProvenanceAgent
                {
                    Type = Participant("assembler", "Assembler"),
                    Who = new Reference { Type = "Device", Display = source.Sender.Application },
                    OnBehalfOf = organization,
                },
            ],
            Entity =
            [
                new ProvenanceEntity
                {
                    Role = "source",
                    What = new Reference
                    {
                        Identifier = new Identifier { System = establishment.ControlIdSystem, Value = source.ControlId },
                        Display = $"HL7 v2 {source.MessageType} {source.ControlId} from {source.Sender}",
                    },
                },
            ],
        };
    }

    private static CodeableConcept Participant(string code, string display) =>
        new() { Coding = [new Coding { System = ParticipantTypeSystem, Code = code, Display = display }] };
}
