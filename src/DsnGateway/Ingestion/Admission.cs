namespace DsnGateway.Ingestion;

/// <summary>What the inbox did with an <see cref="AcceptedMessage"/>; every case is final (committed) when returned.</summary>
internal abstract record Admission
{
    private Admission()
    {
    }

    /// <summary>Stored under <paramref name="Id"/> (arrival order): the caller may now send its ACK.</summary>
    public sealed record Committed(long Id) : Admission;

    /// <summary>A resend (identical once normalised, InboxHash) of a message already answered: nothing was written, and the sender gets
    /// the ACK it was sent the first time.</summary>
    public sealed record Duplicate(ReadOnlyMemory<byte> Ack) : Admission;

    /// <summary>The sender already used this control id for another message (message <paramref name="ExistingId"/>):
    /// nothing was written; the caller answers AR 205 and dead-letters the message.</summary>
    public sealed record ControlIdReused(long ExistingId) : Admission;
}
