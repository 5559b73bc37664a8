using Hl7.Fhir.Model;

namespace DsnGateway.Mapping.Bundles;

/// <summary>
/// The Provenance of what one HL7 message wrote: which establishment and application sent it, its control id
/// and source time, and when the gateway received it. It lets anyone trace a record back to the message behind it.
/// </summary>
public static class MessageProvenance
{
    public const string EventTypeSystem = "http://terminology.hl7.org/CodeSystem/v2-0003";

    /// <param name="targets">References (usually <c>urn:uuid:</c> fullUrls of the same transaction) to what the message wrote.</param>
    /// <param name="receivedAt">When the gateway received the message: <c>recorded</c>.</param>
    public static Provenance Create(MessageSource source, IEnumerable<string> targets, DateTimeOffset receivedAt)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(targets);
        return SourceProvenance.Create(
            source.Establishment,
            targets,
            // MSH-7: when the source says the event was recorded on its side.
            occurred: source.SourceTimeFhir,
            recorded: receivedAt,
            activity: new CodeableConcept
            {
                Coding = [new Coding { System = EventTypeSystem, Code = source.TriggerEvent }],
                Text = source.MessageType,
            },
            // Its legacy application (MSH-3) assembled the message.
            device: source.Sender.Application,
            entity: new Identifier { System = source.Establishment.ControlIdSystem, Value = source.ControlId },
            entityDisplay: $"HL7 v2 {source.MessageType} {source.ControlId} from {source.Sender}");
    }
}
