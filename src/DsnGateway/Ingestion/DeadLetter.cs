namespace DsnGateway.Ingestion;

/// <summary>Where a message stopped: the first three are the stages of the intake (DESIGN.md).</summary>
internal enum DeadLetterStage
{
    Envelope,
    Content,
    Delivery,
}

/// <summary>
/// A message kept for an operator. Sender and control id may be missing when the envelope could not be read.
/// <paramref name="Ack"/> is the AR/AE sent, so a resend (identical once normalised) gets it back instead of a second dead letter.
/// </summary>
internal sealed record DeadLetter(
    DateTimeOffset Received,
    string? SenderApplication,
    string? SenderFacility,
    string? ControlId,
    DeadLetterStage Stage,
    string Reason,
    ReadOnlyMemory<byte> Raw,
    ReadOnlyMemory<byte>? Ack = null);

/// <summary>One line of <c>deadletters list</c>.</summary>
internal sealed record DeadLetterSummary(
    long Id,
    DateTimeOffset Received,
    string? SenderApplication,
    string? SenderFacility,
    string? ControlId,
    DeadLetterStage Stage,
    string Reason,
    bool Replayed);

/// <summary>A dead letter with its bytes, for replay; <paramref name="MessageId"/> is set when it came from the inbox
/// (stage delivery).</summary>
internal sealed record StoredDeadLetter(
    DeadLetterSummary Summary,
    byte[] Raw,
    byte[]? Ack,
    long? MessageId);
