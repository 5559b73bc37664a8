using System.Text;
using DsnGateway.Hl7v2;
using DsnGateway.Hl7v2.Acknowledgements;
using DsnGateway.Hl7v2.Parsing;
using DsnGateway.Mapping.Bundles;
using DsnGateway.Mapping.Codes;
using DsnGateway.Mapping.Establishments;
using DsnGateway.Observability;
using Hl7.Fhir.Model;
using Microsoft.Extensions.Options;
using Task = System.Threading.Tasks.Task;

namespace DsnGateway.Ingestion;

/// <summary>
/// The life of one HL7 v2 message up to its ACK (DESIGN.md, "Senders and the life of an HL7 v2 message"):
/// 1 envelope (parse, sender, control id, type, version; AR), 2 content (mapping, identity; AE, dead-lettered,
/// nothing written; this includes a mapped Bundle that Firely's strict parser refuses, answered AE with the element path),
/// 3 commit of the raw bytes and the mapped Bundle to the durable inbox, and only then AA.
/// Delivery to the record store (stage 4) happens after, from the inbox. The same code serves MLLP and HTTP.
/// </summary>
internal sealed partial class Hl7Intake
{
    private readonly SenderRegistry _senders;
    private readonly MessageBundleBuilder _mapper;
    private readonly InboxWriter _inbox;
    private readonly IdentityConflicts _conflicts;
    private readonly TimeProvider _clock;
    private readonly IOptionsMonitor<IngestionOptions> _options;
    private readonly ILogger<Hl7Intake> _logger;
    private readonly GatewayMetrics? _metrics;
    private long _ackSequence;

    public Hl7Intake(SenderRegistry senders, CodeMap codes, InboxWriter inbox, IdentityConflicts conflicts, TimeProvider clock,
        IOptionsMonitor<IngestionOptions> options, ILogger<Hl7Intake> logger, GatewayMetrics? metrics = null)
    {
        _metrics = metrics;
        _senders = senders;
        _mapper = new MessageBundleBuilder(senders, codes);
        _inbox = inbox;
        _conflicts = conflicts;
        _clock = clock;
        _options = options;
        _logger = logger;
    }

    /// <param name="tokenEstablishment">Over HTTP, the establishment of the sender's token: MSH-4.1 must match it.</param>
    /// <param name="replay">A dead letter run again: it is not answered from the stored ACK of its first attempt.</param>
    /// <exception cref="InboxUnavailableException">the inbox could not commit: the caller must send no ACK.</exception>
    public async Task<IntakeOutcome> ReceiveAsync(ReadOnlyMemory<byte> raw, string? tokenEstablishment, bool replay, CancellationToken cancellationToken)
    {
        var received = _clock.GetUtcNow();
        var ackControlId = NewAckControlId(received);
        var sha = InboxHash.Sha256(raw.Span);

        if (raw.Length > _options.CurrentValue.MaxMessageBytes)
        {
            return await RefuseOversizedAsync(raw[..Math.Min(raw.Length, 16 * 1024)], raw.Length, cancellationToken);
        }

        // The sender decides the character set when MSH-18 is empty, so it is found before the message is decoded.
        var head = Hl7Parser.ReadEnvelope(raw.Span[..Math.Min(raw.Length, 16 * 1024)]);
        var sender = head is null ? null : _senders.Find(head.SendingApplication.NamespaceId, head.SendingFacility.NamespaceId);
        var parsed = Hl7Parser.Parse(raw.Span, Hl7ParserOptions.Default with
        {
            MaxMessageBytes = _options.CurrentValue.MaxMessageBytes,
            DefaultCharacterSet = sender?.Establishment.DefaultEncoding,
        });
        // An envelope the parser refused is AR at once. A content error it found (bytes invalid in the declared set, a
        // line that is not a segment) waits until the envelope read from MSH has passed its own checks: AR comes first.
        if (!parsed.IsSuccess && (parsed.Error.SuggestedAck == AckCode.AR || parsed.Envelope is null))
        {
            var error = parsed.Error;
            return await RefuseAsync(raw, parsed.Envelope, sender, AckCode.AR, DeadLetterStage.Envelope, error.Code, error.Message, received, ackControlId, cancellationToken);
        }

        var message = parsed.Message;
        var msh = message?.Msh ?? parsed.Envelope!;
        var app = msh.SendingApplication.NamespaceId;
        var facility = msh.SendingFacility.NamespaceId;

        // Stage 1: the envelope.
        if (sender is null)
            return await RefuseAsync(raw, msh, null, AckCode.AR, DeadLetterStage.Envelope, Hl7ErrorCodes.UnknownKeyIdentifier,
                $"unknown sender {app}/{facility}: register it in the sender registry", received, ackControlId, cancellationToken);
        if (string.IsNullOrWhiteSpace(msh.ControlId))
            return await RefuseAsync(raw, msh, sender, AckCode.AR, DeadLetterStage.Envelope, Hl7ErrorCodes.RequiredFieldMissing,
                "MSH-10 (message control id) is missing", received, ackControlId, cancellationToken);
        if (tokenEstablishment is not null && !string.Equals(tokenEstablishment, sender.Establishment.Code, StringComparison.OrdinalIgnoreCase))
            return await RefuseAsync(raw, msh, sender, AckCode.AR, DeadLetterStage.Envelope, Hl7ErrorCodes.UnknownKeyIdentifier,
                $"the token's establishment {tokenEstablishment} may not send for {facility}", received, ackControlId, cancellationToken);
        if (!SupportedMessages.Versions.Contains(msh.Version))
            return await RefuseAsync(raw, msh, sender, AckCode.AR, DeadLetterStage.Envelope, Hl7ErrorCodes.UnsupportedVersionId,
                $"HL7 version '{msh.Version}' is not accepted (2.3 to 2.8.2)", received, ackControlId, cancellationToken);
        if (SupportedMessages.Check(msh.MessageCode, msh.TriggerEvent) is { } unsupported)
            return await RefuseAsync(raw, msh, sender, AckCode.AR, DeadLetterStage.Envelope, unsupported.Code, unsupported.Reason, received, ackControlId, cancellationToken);
        if (!sender.Allows(msh.MessageCode, msh.TriggerEvent))
            return await RefuseAsync(raw, msh, sender, AckCode.AR, DeadLetterStage.Envelope, Hl7ErrorCodes.UnsupportedMessageType,
                $"sender {sender} is not registered for {msh.MessageCode}^{msh.TriggerEvent}", received, ackControlId, cancellationToken);

        // A resend, identical once normalised (InboxHash), gets the answer it had, and changes nothing.
        if (!replay && await _inbox.FindAnsweredAsync(app, facility, msh.ControlId, sha, cancellationToken) is Admission.Duplicate answered)
        {
            Log.Resend(_logger, app, facility);
            return new IntakeOutcome(AckCodeOf(answered.Ack.Span), answered.Ack.ToArray());
        }

        // Stage 2: the content, mapped in full before anything is acknowledged.
        if (message is null)
        {
            var error = parsed.Error!;
            return await RefuseAsync(raw, msh, sender, AckCode.AE, DeadLetterStage.Content, error.Code, error.Message, received, ackControlId, cancellationToken, error.Location);
        }
        var mapped = _mapper.Build(message, received);
        if (!mapped.IsSuccess)
        {
            var error = mapped.Error!;
            return await RefuseAsync(raw, msh, sender, AckCode.AE, DeadLetterStage.Content, error.Code, error.Message, received, ackControlId, cancellationToken, error.Location);
        }
        // Every person the message states (an A40 states one survivor per PID/MRG group), not the records it retires.
        var survivors = mapped.Value!.Bundle.Entry.Select(e => e.Resource).OfType<Patient>()
            .Where(p => !AdtBundleBuilder.IsMergedRecord(p)).ToList();
        for (var i = 0; i < survivors.Count; i++)
        {
            var conflict = await _conflicts.FindAsync(survivors[i], cancellationToken);
            if (conflict is not null)
                return await RefuseAsync(raw, msh, sender, AckCode.AE, DeadLetterStage.Content, Hl7ErrorCodes.ApplicationInternalError,
                    survivors.Count > 1 ? $"group {i + 1}: {conflict}" : conflict, received, ackControlId, cancellationToken);
        }

        // The ADT feed's Patient carries the source time of its demographics, so delivery can keep the newest
        // (latest wins). The PID of an order or a charge message gets none: it never replaces demographics (ADR 0008).
        foreach (var patient in mapped.Value.Bundle.Entry.Select(e => e.Resource).OfType<Patient>()
                     .Where(_ => mapped.Value.CarriesDemographics))
        {
            patient.Extension.Add(RecordStoreDelivery.SourceTimeOf(mapped.Value.SourceTime));
        }

        // Still stage 2: the Bundle exactly as it will be stored must pass Firely's strict parse (what the record store
        // applies), or nothing is acknowledged: AE naming the element, the raw message kept in the dead letters.
        var strict = StrictBundle.Check(mapped.Value.Bundle);
        if (!strict.IsValid)
            return await RefuseAsync(raw, msh, sender, AckCode.AE, DeadLetterStage.Content, Hl7ErrorCodes.ApplicationInternalError,
                StrictBundle.Describe(strict.Issues), received, ackControlId, cancellationToken);

        // Stage 3: committed, then acknowledged.
        var ack = Encode(AckBuilder.Accept(msh, ackControlId, received), message.CharacterSet);
        var admission = await _inbox.AdmitAsync(new AcceptedMessage(received, app, facility, msh.ControlId,
            $"{msh.MessageCode}^{msh.TriggerEvent}", raw, ack, Encoding.UTF8.GetString(strict.Utf8Json!), mapped.Value.Identity.Key)
        {
            BundleUtf8 = strict.Utf8Json,
            UnmappedCodes = mapped.Value.Unmapped,
            PatientIdentifiers = IdentityTokens(mapped.Value.Patient),
        }, cancellationToken);
        switch (admission)
        {
            case Admission.Committed:
                Log.Accepted(_logger, app, facility, msh.MessageCode, msh.TriggerEvent);
                return new IntakeOutcome(AckCode.AA, ack);
            case Admission.Duplicate duplicate:
                return new IntakeOutcome(AckCodeOf(duplicate.Ack.Span), duplicate.Ack.ToArray());
            default:
                return await RefuseAsync(raw, msh, sender, AckCode.AR, DeadLetterStage.Envelope, Hl7ErrorCodes.DuplicateKeyIdentifier,
                    $"control id {msh.ControlId} was already used by {app}/{facility} for a different message", received, ackControlId, cancellationToken);
        }
    }

    /// <summary>
    /// A message over the ceiling: AR addressed from its first bytes. Only that start is kept in the dead letters
    /// (the rest was never buffered); the reason says how long the message was.
    /// </summary>
    public Task<IntakeOutcome> RefuseOversizedAsync(ReadOnlyMemory<byte> start, long length, CancellationToken cancellationToken) =>
        RefuseUnreadAsync(start,
            $"the message is {length} bytes, over the {_options.CurrentValue.MaxMessageBytes}-byte ceiling (only its first {start.Length} bytes are kept)",
            cancellationToken);

    /// <summary>
    /// An MLLP frame that did not end within the frame timeout: AR addressed from what came, which is kept in the dead
    /// letters; <paramref name="reason"/> says what was missing.
    /// </summary>
    public Task<IntakeOutcome> RefuseIncompleteAsync(ReadOnlyMemory<byte> received, string reason, CancellationToken cancellationToken) =>
        RefuseUnreadAsync(received, reason, cancellationToken);

    /// <summary>AR for bytes that never became a whole message, addressed from the MSH at their start.</summary>
    private Task<IntakeOutcome> RefuseUnreadAsync(ReadOnlyMemory<byte> start, string reason, CancellationToken cancellationToken)
    {
        var received = _clock.GetUtcNow();
        var envelope = Hl7Parser.ReadEnvelope(start.Span[..Math.Min(start.Length, 16 * 1024)]);
        var sender = envelope is null ? null : _senders.Find(envelope.SendingApplication.NamespaceId, envelope.SendingFacility.NamespaceId);
        return RefuseAsync(start, envelope, sender, AckCode.AR, DeadLetterStage.Envelope, Hl7ErrorCodes.DataTypeError, reason,
            received, NewAckControlId(received), cancellationToken);
    }

    /// <summary>An AR or AE: the raw message is kept in the dead letters (durably) before the answer goes out.</summary>
    private async Task<IntakeOutcome> RefuseAsync(ReadOnlyMemory<byte> raw, DsnGateway.Hl7v2.Segments.Msh? msh, Sender? sender, AckCode code,
        DeadLetterStage stage, int errorCode, string reason, DateTimeOffset received, string ackControlId, CancellationToken cancellationToken,
        Hl7ErrorLocation? location = null)
    {
        var ackText = AckBuilder.Build(msh, code, ackControlId, received, [new AckError(errorCode, reason, location)]);
        var ack = Encode(ackText, sender?.Establishment.DefaultEncoding);
        await _inbox.DeadLetterAsync(new DeadLetter(received, msh?.SendingApplication.NamespaceId, msh?.SendingFacility.NamespaceId,
            string.IsNullOrEmpty(msh?.ControlId) ? null : msh.ControlId, stage, $"{errorCode}: {reason}", raw, ack), cancellationToken);
        Log.Refused(_logger, code.ToString(), errorCode, stage.ToString());
        _metrics?.DeadLettered(stage.ToString().ToLowerInvariant());
        return new IntakeOutcome(code, ack);
    }

    /// <summary>
    /// The NAM and MRNs of the mapped Patient as <c>system|value</c>, for the inbox's identity index. Not those of the
    /// records an A40 retires: the index is written before delivery decides the merge (a NAM conflict refuses it), and
    /// delivery resolves a retired identifier to its survivor anyway.
    /// </summary>
    private static List<string> IdentityTokens(Patient patient) =>
        patient.Identifier
            .Where(i => i.Value is not null && (i.System == DsnGateway.Mapping.Identity.QuebecHealthNumber.System
                || i.System?.StartsWith(DsnGateway.Mapping.Patients.PatientIdentity.MrnPrefix, StringComparison.Ordinal) == true))
            .Select(i => $"{i.System}|{i.Value}")
            .ToList();

    private static byte[] Encode(string ack, Encoding? charset) => (charset ?? Encoding.UTF8).GetBytes(ack);

    private static AckCode AckCodeOf(ReadOnlySpan<byte> ack)
    {
        var text = Encoding.Latin1.GetString(ack);
        var msa = text.IndexOf("MSA", StringComparison.Ordinal);
        return msa >= 0 && text.Length > msa + 6 ? Enum.Parse<AckCode>(text.Substring(msa + 4, 2)) : AckCode.AR;
    }

    /// <summary>The gateway's own control id for an ACK: time-ordered and unique within the process.</summary>
    private string NewAckControlId(DateTimeOffset now) =>
        $"DSN{now.UtcDateTime:yyyyMMddHHmmss}{Interlocked.Increment(ref _ackSequence) % 100000:D5}";

    private static partial class Log
    {
        // Sender and message type only: never the content, which carries names and health numbers.
        [LoggerMessage(1, LogLevel.Information, "HL7 {MessageCode}^{TriggerEvent} from {Application}/{Facility} committed (AA)")]
        public static partial void Accepted(ILogger logger, string application, string facility, string messageCode, string triggerEvent);

        [LoggerMessage(2, LogLevel.Warning, "HL7 message refused: {Ack} {ErrorCode} at the {Stage} stage (kept in the dead letters)")]
        public static partial void Refused(ILogger logger, string ack, int errorCode, string stage);

        [LoggerMessage(3, LogLevel.Information, "HL7 resend from {Application}/{Facility} answered with its original ACK")]
        public static partial void Resend(ILogger logger, string application, string facility);
    }
}

/// <summary>What the sender is answered.</summary>
internal sealed record IntakeOutcome(AckCode Code, byte[] Ack);
