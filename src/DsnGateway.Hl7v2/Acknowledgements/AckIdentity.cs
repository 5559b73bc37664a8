namespace DsnGateway.Hl7v2.Acknowledgements;

/// <summary>
/// Who the gateway says it is in an ACK when the received MSH cannot tell us (the received MSH-5/MSH-6
/// are used when present, since an ACK swaps sender and receiver).
/// </summary>
public sealed record AckIdentity(string Application = "DSN_GATEWAY", string Facility = "DSN")
{
    public static AckIdentity Default { get; } = new();
}
