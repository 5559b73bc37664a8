namespace DsnGateway.Ingestion;

/// <summary>The life of an accepted message after its commit.</summary>
internal enum InboxMessageState
{
    /// <summary>Committed and ACKed, not yet in the record store.</summary>
    Pending,

    /// <summary>The record store applied its Bundle.</summary>
    Delivered,

    /// <summary>The record store refused it for good; a dead letter (stage delivery) names the reason.</summary>
    Dead,
}

/// <summary>A stored message, as operators and tests read it back.</summary>
internal sealed record StoredMessage(
    long Id,
    DateTimeOffset Received,
    string SenderApplication,
    string SenderFacility,
    string ControlId,
    string MessageType,
    byte[] Raw,
    string RawSha256,
    byte[] Ack,
    string BundleJson,
    string PatientKey,
    InboxMessageState State,
    int Attempts,
    string? LastError,
    DateTimeOffset? DeliveredAt);

/// <summary>What the delivery worker needs of a pending message.</summary>
/// <param name="Received">When the message was committed to the inbox (its ACK), for the delivery lag.</param>
internal sealed record PendingMessage(long Id, string PatientKey, string BundleJson, DateTimeOffset? Received = null);
