using DsnGateway.Hl7v2;
using DsnGateway.Mapping.Bundles;

namespace DsnGateway.Ingestion;

/// <summary>
/// The message types this release maps (DESIGN.md's table): ADT events, pharmacy orders (RDE, OMP, ORM), account
/// and charge messages with procedures (BAR, DFT), as <see cref="MessageBundleBuilder"/> maps them.
/// Everything else is refused at the envelope stage, with the code that says which part is unsupported.
/// </summary>
internal static class SupportedMessages
{
    public static readonly IReadOnlySet<string> Versions = new HashSet<string>(StringComparer.Ordinal)
    {
        "2.3", "2.3.1", "2.4", "2.5", "2.5.1", "2.6", "2.7", "2.7.1", "2.8", "2.8.1", "2.8.2",
    };

    private static IReadOnlyDictionary<string, IReadOnlySet<string>> Triggers => MessageBundleBuilder.SupportedTriggers;

    /// <summary>Null when supported; else the ERR-3 code (200 type, 201 trigger) and why.</summary>
    public static (int Code, string Reason)? Check(string messageCode, string triggerEvent)
    {
        if (!Triggers.TryGetValue(messageCode, out var triggers))
            return (Hl7ErrorCodes.UnsupportedMessageType, $"message type {messageCode} is not accepted by this gateway");
        if (!triggers.Contains(triggerEvent))
            return (Hl7ErrorCodes.UnsupportedEventCode, $"trigger event {messageCode}^{triggerEvent} is not accepted by this gateway");
        return null;
    }
}
