namespace DsnGateway.Ingestion;

/// <summary>The inbox could not make a message durable: the caller must not ACK it (the sender will resend).</summary>
internal sealed class InboxUnavailableException : Exception
{
    public InboxUnavailableException(string message)
        : base(message)
    {
    }

    public InboxUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
