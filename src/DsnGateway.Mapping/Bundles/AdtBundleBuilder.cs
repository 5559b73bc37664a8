using DsnGateway.Fhir.Model;
using Hl7.Fhir.Model;
using DsnGateway.Hl7v2;
using DsnGateway.Hl7v2.Parsing;
using DsnGateway.Hl7v2.Segments;
using DsnGateway.Mapping.Codes;
using DsnGateway.Mapping.Establishments;
using DsnGateway.Mapping.Identity;
using DsnGateway.Mapping.Patients;
using DsnGateway.Mapping.Procedures;

namespace DsnGateway.Mapping.Bundles;

/// <summary>
/// ADT (A01, A04, A05, A08, A28, A31; and A02, A03, A11, A13 for their PID) to a FHIR transaction: the Patient as a
/// conditional update on its identity (<c>PUT Patient?identifier=NAM system|NAM</c>, or by MRN without a NAM) and a
/// Provenance naming the message, and a Procedure for each PR1 present (in every one of these types, see
/// <see cref="ProcedureMapper"/>). Any other trigger is 201.
/// A40 (merge): each PID/MRG group names a pair, PID the surviving patient and MRG-1 the identifiers of the record
/// merged away; a message may carry several groups, merged in their order in one transaction (all or none). For each
/// group the Bundle carries the survivor as usual (with a <c>replaces</c> link) and a second Patient entry,
/// <c>PUT Patient?identifier=</c> the merged identity, <c>active=false</c> with a <c>replaced-by</c> link to its
/// survivor and the MRG-1 identifiers (NAM/MRN). That entry is a request to delivery, not a resource to write as is:
/// delivery finds the merged Patient in the store, retires it and gives its identifiers to the survivor with
/// <c>use: old</c> (see RecordStoreDelivery). What is wrong in a group (an MRG missing or naming no NAM or MRN, a
/// malformed identifier) is refused before the ACK, the error naming the group ("group 2: ...").
/// </summary>
public sealed class AdtBundleBuilder
{
    /// <summary>The ADT triggers this builder maps.</summary>
    public static IReadOnlySet<string> SupportedTriggers { get; } =
        new HashSet<string>(["A01", "A04", "A05", "A08", "A28", "A31", "A02", "A03", "A11", "A13", "A40"], StringComparer.OrdinalIgnoreCase);

    // DESIGN.md, stage 2: PV1 is required in ADT A01 to A08.
    private static readonly HashSet<string> TriggersRequiringPv1 = new(["A01", "A02", "A03", "A04", "A05", "A08"], StringComparer.OrdinalIgnoreCase);

    /// <summary>Patient.link types of a merge (FHIR link-type): on the survivor, and on the record merged away.</summary>
    public const Patient.LinkType LinkReplaces = Patient.LinkType.Replaces;
    public const Patient.LinkType LinkReplacedBy = Patient.LinkType.ReplacedBy;

    /// <summary>The merge trigger.</summary>
    public const string MergeTrigger = "A40";

    /// <summary>
    /// True for the entry of a merge Bundle that names the record merged away, and for a stored record a merge retired
    /// (<see cref="PatientExtensions.IsRetired"/>: inactive with a replaced-by link).
    /// </summary>
    public static bool IsMergedRecord(Patient patient) => patient is not null && patient.IsRetired();

    private readonly SenderRegistry _senders;
    private readonly PidMapper _pids;
    private readonly ProcedureMapper _procedures;

    /// <param name="codes">The code maps PR1-3 goes through; none given, every local procedure code is unmapped.</param>
    public AdtBundleBuilder(SenderRegistry senders, CodeMap? codes = null)
    {
        _senders = senders ?? throw new ArgumentNullException(nameof(senders));
        _pids = new PidMapper(senders.Establishments);
        _procedures = new ProcedureMapper(codes ?? CodeMap.Empty);
    }

    /// <summary>Maps a parsed message from a registered sender (an unknown sender is 204).</summary>
    /// <param name="receivedAt">When the gateway received it; recorded in the Provenance.</param>
    public MappingResult<MessageMapping> Build(Hl7Message message, DateTimeOffset receivedAt)
    {
        ArgumentNullException.ThrowIfNull(message);
        var type = CheckType(message);
        if (type is not null) return type;
        var source = MessageSource.Read(message, _senders);
        return source.IsSuccess ? Build(message, source.Value, receivedAt) : source.Error;
    }

    /// <summary>Maps a message whose header the caller already read (<see cref="MessageSource.Read(Hl7Message, SenderRegistry)"/>).</summary>
    public MappingResult<MessageMapping> Build(Hl7Message message, MessageSource source, DateTimeOffset receivedAt)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(source);
        if (CheckType(message) is { } type) return type;

        if (message.Pid() is null) return Fail(Hl7ErrorCodes.SegmentSequenceError, new Hl7ErrorLocation("PID"), $"{source.MessageType} requires a PID segment");
        if (TriggersRequiringPv1.Contains(source.TriggerEvent) && !message.HasSegment("PV1"))
            return Fail(Hl7ErrorCodes.SegmentSequenceError, new Hl7ErrorLocation("PV1"), $"{source.MessageType} requires a PV1 segment");

        var patient = MessageTransaction.MapPatient(message, source, _pids);
        if (!patient.IsSuccess) return patient.Error;
        // The mapper guarantees a NAM or an MRN, so there always is an identity here.
        var identity = PatientIdentity.Of(patient.Value, source.Establishment)!;

        var transaction = new MessageTransaction(source);
        var patientUrl = transaction.AddPatient(patient.Value, identity);

        PatientIdentity? mergedIdentity = null;
        if (string.Equals(source.TriggerEvent, MergeTrigger, StringComparison.OrdinalIgnoreCase))
        {
            var merges = AddMerges(message, source, transaction, patient.Value, patientUrl);
            if (!merges.IsSuccess) return merges.Error;
            mergedIdentity = merges.Value;
        }

        if (MessageProcedures.AddAll(transaction, message, _procedures, patientUrl, identity) is { } procedureError) return procedureError;
        return MappingResult<MessageMapping>.Success(transaction.Mapping(receivedAt, patient.Value, identity, carriesDemographics: true, mergedIdentity));
    }

    /// <summary>
    /// Every PID/MRG group of an A40, in order: a PID opens a group, the MRG after it (before the next PID) names the
    /// record it absorbs. The first group's survivor is already in the transaction; each later group adds its own
    /// survivor, and every group adds the record to retire. Returns the identity the first MRG names.
    /// </summary>
    private MappingResult<PatientIdentity> AddMerges(Hl7Message message, MessageSource source, MessageTransaction transaction, Patient firstSurvivor, string firstSurvivorUrl)
    {
        PatientIdentity? first = null;
        foreach (var group in MergeGroups(message))
        {
            MappingError Named(MappingError error) => error with { Message = $"group {group.Number}: {error.Message}" };
            Patient survivor;
            string survivorUrl;
            if (group.Number == 1)
            {
                (survivor, survivorUrl) = (firstSurvivor, firstSurvivorUrl);
            }
            else
            {
                var mapped = _pids.Map(new Pid(group.Pid), source.Establishment, group.PidOccurrence);
                if (!mapped.IsSuccess) return MappingResult<PatientIdentity>.Failure(Named(mapped.Error!));
                survivor = mapped.Value;
                survivorUrl = transaction.AddPatient(survivor, PatientIdentity.Of(survivor, source.Establishment)!, $"Patient#{group.Number}");
            }
            var merged = MapMerged(group, source);
            if (!merged.IsSuccess) return MappingResult<PatientIdentity>.Failure(Named(merged.Error!));
            var mergedIdentity = PatientIdentity.Of(merged.Value, source.Establishment)!;
            first ??= mergedIdentity;
            var mergedUrl = transaction.AddPatient(merged.Value, mergedIdentity, group.Number == 1 ? "MergedPatient" : $"MergedPatient#{group.Number}");
            merged.Value.Link = [new Patient.LinkComponent { Type = LinkReplacedBy, Other = new ResourceReference(survivorUrl) }];
            survivor.Link.Add(new Patient.LinkComponent { Type = LinkReplaces, Other = new ResourceReference(mergedUrl) });
        }
        return MappingResult<PatientIdentity>.Success(first!);
    }

    /// <summary>One PID/MRG group of an A40: the PID's segment and occurrence, the MRG's (null when the group has none).</summary>
    private sealed record MergeGroup(int Number, Segment Pid, int PidOccurrence, Segment? Mrg, int MrgOccurrence);

    private static List<MergeGroup> MergeGroups(Hl7Message message)
    {
        var groups = new List<MergeGroup>();
        var (pids, mrgs) = (0, 0);
        foreach (var segment in message.Segments)
        {
            if (segment.Name == "PID") groups.Add(new MergeGroup(groups.Count + 1, segment, ++pids, null, 0));
            else if (segment.Name == "MRG")
            {
                mrgs++;
                // An MRG before any PID, or a second MRG in one group, belongs to no pair the standard defines: ignored.
                if (groups.Count > 0 && groups[^1].Mrg is null) groups[^1] = groups[^1] with { Mrg = segment, MrgOccurrence = mrgs };
            }
        }
        return groups;
    }

    /// <summary>
    /// MRG-1 (the merged record's identifiers, CX, read by the PID-3 rules) as the Patient to retire: its NAM and
    /// MRNs only (they are what finds it in the store), <c>active=false</c>. MRG missing is 100, MRG-1 empty 101.
    /// </summary>
    private MappingResult<Patient> MapMerged(MergeGroup group, MessageSource source)
    {
        if (group.Mrg is not { } segment)
            return MappingResult<Patient>.Failure(Hl7ErrorCodes.SegmentSequenceError, new Hl7ErrorLocation("MRG"), $"{source.MessageType} requires an MRG segment (the merged patient) after each PID");
        var mrg = new Mrg(segment);
        var mrg1 = segment.Field(1);
        if (mrg1.IsEmpty || mrg1.IsExplicitNull)
            return MappingResult<Patient>.Failure(Hl7ErrorCodes.RequiredFieldMissing, new Hl7ErrorLocation("MRG", group.MrgOccurrence, 1), "MRG-1 (the merged patient's identifiers) is required");
        var sources = mrg.PriorPatientIdentifiers.Select((cx, i) => (cx, new Hl7ErrorLocation("MRG", group.MrgOccurrence, 1, i + 1))).ToList();
        // No birth date or sex of the merged record here: its NAM is checked for form only.
        var identifiers = PatientIdentifiers.Map(sources, source.Establishment, _senders.Establishments, null, null);
        if (!identifiers.IsSuccess) return MappingResult<Patient>.Failure(identifiers.Error);
        var keys = identifiers.Value
            .Where(i => i.System == QuebecHealthNumber.System || i.System!.StartsWith(PatientIdentity.MrnPrefix, StringComparison.Ordinal))
            .ToList();
        if (keys.Count == 0)
            return MappingResult<Patient>.Failure(Hl7ErrorCodes.RequiredFieldMissing, new Hl7ErrorLocation("MRG", group.MrgOccurrence, 1),
                "MRG-1 carries neither a NAM (assigning authority RAMQ or type JHN/NAM) nor an MRN of a registered establishment");
        return MappingResult<Patient>.Success(new Patient { Identifier = keys, Active = false });
    }

    private static MappingResult<MessageMapping>? CheckType(Hl7Message message)
    {
        var msh = message.Msh;
        var code = msh.MessageCode.Trim();
        var trigger = msh.TriggerEvent.Trim();
        if (!string.Equals(code, "ADT", StringComparison.OrdinalIgnoreCase))
            return Fail(Hl7ErrorCodes.UnsupportedMessageType, new Hl7ErrorLocation("MSH", 1, 9, null, 1), $"message type {code} is not ADT");
        if (!SupportedTriggers.Contains(trigger))
            return Fail(Hl7ErrorCodes.UnsupportedEventCode, new Hl7ErrorLocation("MSH", 1, 9, null, 2),
                $"ADT trigger event {(trigger.Length == 0 ? "(empty)" : trigger)} is not mapped to FHIR (supported: {string.Join(", ", SupportedTriggers)})");
        return null;
    }

    private static MappingResult<MessageMapping> Fail(int code, Hl7ErrorLocation location, string message) => MappingResult<MessageMapping>.Failure(code, location, message);
}
