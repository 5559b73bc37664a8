using DsnGateway.Hl7v2;
using DsnGateway.Hl7v2.Parsing;
using DsnGateway.Mapping.Codes;
using DsnGateway.Mapping.Establishments;

namespace DsnGateway.Mapping.Bundles;

/// <summary>
/// The one entry point from an HL7 v2 message to its FHIR transaction (DESIGN.md, "Messages we map"): reads the
/// header (sender 204, MSH-10 and MSH-7 101/102), then hands the message to the builder of its type by MSH-9:
/// ADT to <see cref="AdtBundleBuilder"/>, RDE/OMP/ORM to <see cref="OrderBundleBuilder"/>, BAR/DFT to
/// <see cref="ProcedureBundleBuilder"/>. Anything else is 200 (type) or 201 (trigger).
/// </summary>
public sealed class MessageBundleBuilder
{
    private readonly SenderRegistry _senders;
    private readonly AdtBundleBuilder _adt;
    private readonly OrderBundleBuilder _orders;
    private readonly ProcedureBundleBuilder _procedures;

    public MessageBundleBuilder(SenderRegistry senders, CodeMap codes)
    {
        _senders = senders ?? throw new ArgumentNullException(nameof(senders));
        ArgumentNullException.ThrowIfNull(codes);
        _adt = new AdtBundleBuilder(senders, codes);
        _orders = new OrderBundleBuilder(senders, codes);
        _procedures = new ProcedureBundleBuilder(senders, codes);
    }

    /// <summary>Every message type and trigger mapped (MSH-9.1 → MSH-9.2), for the intake's envelope stage.</summary>
    public static IReadOnlyDictionary<string, IReadOnlySet<string>> SupportedTriggers { get; } =
        new Dictionary<string, IReadOnlySet<string>>(
            OrderBundleBuilder.SupportedTriggers
                .Concat(ProcedureBundleBuilder.SupportedTriggers)
                .Append(KeyValuePair.Create("ADT", AdtBundleBuilder.SupportedTriggers)),
            StringComparer.OrdinalIgnoreCase);

    /// <summary>Maps a parsed message from a registered sender (an unknown sender is 204).</summary>
    /// <param name="receivedAt">When the gateway received it; recorded in the Provenance.</param>
    public MappingResult<MessageMapping> Build(Hl7Message message, DateTimeOffset receivedAt)
    {
        ArgumentNullException.ThrowIfNull(message);
        var code = message.Msh.MessageCode.Trim().ToUpperInvariant();
        var trigger = message.Msh.TriggerEvent.Trim().ToUpperInvariant();
        if (!SupportedTriggers.TryGetValue(code, out var triggers))
            return MappingResult<MessageMapping>.Failure(Hl7ErrorCodes.UnsupportedMessageType, new Hl7ErrorLocation("MSH", 1, 9, null, 1), $"message type {code} is not mapped to FHIR");
        if (!triggers.Contains(trigger))
            return MappingResult<MessageMapping>.Failure(Hl7ErrorCodes.UnsupportedEventCode, new Hl7ErrorLocation("MSH", 1, 9, null, 2),
                $"{code}^{(trigger.Length == 0 ? "(empty)" : trigger)} is not mapped to FHIR (supported: {string.Join(", ", triggers)})");
        var source = MessageSource.Read(message, _senders);
        return source.IsSuccess ? Build(message, source.Value, receivedAt) : source.Error;
    }

    /// <summary>Maps a message whose header the caller already read.</summary>
    public MappingResult<MessageMapping> Build(Hl7Message message, MessageSource source, DateTimeOffset receivedAt)
    {
        ArgumentNullException.ThrowIfNull(source);
        return source.MessageCode switch
        {
            "ADT" => _adt.Build(message, source, receivedAt),
            "RDE" or "OMP" or "ORM" => _orders.Build(message, source, receivedAt),
            "BAR" or "DFT" => _procedures.Build(message, source, receivedAt),
            _ => MappingResult<MessageMapping>.Failure(Hl7ErrorCodes.UnsupportedMessageType, new Hl7ErrorLocation("MSH", 1, 9, null, 1), $"message type {source.MessageCode} is not mapped to FHIR"),
        };
    }
}
