namespace DsnGateway.Ingestion;

/// <summary>
/// A message that passed the envelope and content stages, with everything the inbox keeps: the exact bytes
/// received (a resend is compared to them once normalised, InboxHash), the ACK about to be sent (what a resend gets back),
/// and the mapped transaction Bundle (what delivery posts). The parser and the mapper provide the fields; the
/// inbox never reads the raw bytes itself.
/// </summary>
/// <param name="Received">When the gateway received it (stored as UTC ticks).</param>
/// <param name="SenderApplication">MSH-3.1.</param>
/// <param name="SenderFacility">MSH-4.1.</param>
/// <param name="ControlId">MSH-10: unique per sender.</param>
/// <param name="MessageType">MSH-9, e.g. <c>ADT^A01</c>.</param>
/// <param name="PatientKey">The identity deliveries are ordered by (e.g. the NAM, or system|MRN): messages of one
/// key reach the record store in arrival order.</param>
internal sealed record AcceptedMessage(
    DateTimeOffset Received,
    string SenderApplication,
    string SenderFacility,
    string ControlId,
    string MessageType,
    ReadOnlyMemory<byte> Raw,
    ReadOnlyMemory<byte> Ack,
    string BundleJson,
    string PatientKey)
{
    /// <summary>
    /// The local codes of this message that no code map translates. The inbox counts them in the same transaction
    /// as the message, so a resend answered from the stored ACK or a refused message never counts.
    /// </summary>
    public IReadOnlyList<DsnGateway.Mapping.Codes.UnmappedCode> UnmappedCodes { get; init; } = [];

    /// <summary>
    /// The identifiers (<c>system|value</c>: the NAM, the MRNs) this message binds to <see cref="PatientKey"/>. They go
    /// into the inbox's identity index in the same commit, so a CSV order naming the patient is recognised before
    /// the message is delivered. Empty for messages that establish no identity.
    /// </summary>
    public IReadOnlyList<string> PatientIdentifiers { get; init; } = [];

    /// <summary>
    /// <see cref="BundleJson"/> as UTF-8, when the caller has those bytes (the intake and the CSV import have them: they
    /// serialized the Bundle once and parsed those bytes strictly before admitting it). The inbox stores them as they
    /// are, instead of encoding the string again. Empty: the inbox encodes <see cref="BundleJson"/>.
    /// </summary>
    public ReadOnlyMemory<byte> BundleUtf8 { get; init; }

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrEmpty(SenderApplication);
        ArgumentNullException.ThrowIfNull(SenderFacility);
        ArgumentException.ThrowIfNullOrEmpty(ControlId);
        ArgumentNullException.ThrowIfNull(MessageType);
        ArgumentException.ThrowIfNullOrEmpty(BundleJson);
        ArgumentException.ThrowIfNullOrEmpty(PatientKey);
        if (Raw.IsEmpty) throw new ArgumentException("The raw message is empty.", nameof(Raw));
        if (Ack.IsEmpty) throw new ArgumentException("The ACK is empty.", nameof(Ack));
    }
}
