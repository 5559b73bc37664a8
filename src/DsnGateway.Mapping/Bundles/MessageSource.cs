using DsnGateway.Hl7v2;
using DsnGateway.Hl7v2.Parsing;
using DsnGateway.Hl7v2.Types;
using DsnGateway.Mapping.Establishments;

namespace DsnGateway.Mapping.Bundles;

/// <summary>
/// Who sent a message, which one it is and when the source says it happened: the facts every mapped Bundle
/// records in its Provenance, and that the intake needs for "latest wins" (<see cref="SourceTime"/>, MSH-7).
/// </summary>
/// <param name="MessageCode">MSH-9.1, e.g. ADT.</param>
/// <param name="TriggerEvent">MSH-9.2, e.g. A08.</param>
/// <param name="ControlId">MSH-10, unique per sender.</param>
/// <param name="SourceTime">MSH-7 as an instant; without an offset it is the establishment's local time.</param>
/// <param name="SourceTimeFhir">MSH-7 as a FHIR dateTime at its precision, with the offset it had (or was given).</param>
public sealed record MessageSource(Sender Sender, string MessageCode, string TriggerEvent, string ControlId, DateTimeOffset SourceTime, string SourceTimeFhir)
{
    public Establishment Establishment => Sender.Establishment;

    /// <summary>MSH-9 as people write it, e.g. ADT^A08.</summary>
    public string MessageType => $"{MessageCode}^{TriggerEvent}";

    /// <summary>
    /// Reads the header: the sender must be registered (204) and allowed this type (200), MSH-10 present (101),
    /// MSH-7 present (101) and a valid HL7 date/time (102).
    /// </summary>
    public static MappingResult<MessageSource> Read(Hl7Message message, SenderRegistry senders)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(senders);
        var msh = message.Msh;
        var application = msh.SendingApplication.NamespaceId;
        var facility = msh.SendingFacility.NamespaceId;
        if (senders.Find(application, facility) is not { } sender)
            return MappingResult<MessageSource>.Failure(Hl7ErrorCodes.UnknownKeyIdentifier, new Hl7ErrorLocation("MSH", 1, 4),
                $"unknown sender {application}/{facility} (MSH-3/MSH-4): not in the sender registry");
        return Read(message, sender);
    }

    /// <summary>As <see cref="Read(Hl7Message, SenderRegistry)"/>, for a sender the caller already resolved.</summary>
    public static MappingResult<MessageSource> Read(Hl7Message message, Sender sender)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(sender);
        var msh = message.Msh;
        var code = msh.MessageCode.Trim().ToUpperInvariant();
        var trigger = msh.TriggerEvent.Trim().ToUpperInvariant();
        if (!sender.Allows(code, trigger))
            return MappingResult<MessageSource>.Failure(Hl7ErrorCodes.UnsupportedMessageType, new Hl7ErrorLocation("MSH", 1, 9),
                $"sender {sender} is not allowed to send {code}^{trigger}");

        var controlId = msh.ControlId.Trim();
        if (controlId.Length == 0)
            return MappingResult<MessageSource>.Failure(Hl7ErrorCodes.RequiredFieldMissing, new Hl7ErrorLocation("MSH", 1, 10), "MSH-10 (message control id) is required");

        var timeText = msh.DateTimeOfMessage.Trim();
        if (timeText.Length == 0)
            return MappingResult<MessageSource>.Failure(Hl7ErrorCodes.RequiredFieldMissing, new Hl7ErrorLocation("MSH", 1, 7),
                "MSH-7 (date/time of message) is required: it orders this sender's snapshots of a patient");
        if (!Hl7DateTime.TryParse(timeText, out var time, out var error))
            return MappingResult<MessageSource>.Failure(Hl7ErrorCodes.DataTypeError, new Hl7ErrorLocation("MSH", 1, 7), $"MSH-7: {error!.Message}");

        var zone = sender.Establishment.Zone;
        return MappingResult<MessageSource>.Success(new MessageSource(sender, code, trigger, controlId, time.ToDateTimeOffset(zone), time.ToFhir(zone)));
    }
}
