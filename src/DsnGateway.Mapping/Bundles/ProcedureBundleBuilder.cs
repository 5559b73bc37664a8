using DsnGateway.Hl7v2;
using DsnGateway.Hl7v2.Parsing;
using DsnGateway.Hl7v2.Segments;
using DsnGateway.Mapping.Codes;
using DsnGateway.Mapping.Establishments;
using DsnGateway.Mapping.Patients;
using DsnGateway.Mapping.Procedures;

namespace DsnGateway.Mapping.Bundles;

/// <summary>
/// Account and charge messages of the operating-room systems to a FHIR transaction: BAR^P01, BAR^P05, BAR^P12 and
/// DFT^P03, one Procedure per PR1 (at least one is required: 100) and the Patient of the PID. The PID of these
/// messages is not the ADT feed: it creates the patient when unknown and adds identifiers, never demographics.
/// </summary>
public sealed class ProcedureBundleBuilder
{
    /// <summary>Message code → triggers this builder maps.</summary>
    public static IReadOnlyDictionary<string, IReadOnlySet<string>> SupportedTriggers { get; } = new Dictionary<string, IReadOnlySet<string>>(StringComparer.OrdinalIgnoreCase)
    {
        ["BAR"] = new HashSet<string>(["P01", "P05", "P12"], StringComparer.OrdinalIgnoreCase),
        ["DFT"] = new HashSet<string>(["P03"], StringComparer.OrdinalIgnoreCase),
    };

    private readonly PidMapper _pids;
    private readonly ProcedureMapper _procedures;

    public ProcedureBundleBuilder(SenderRegistry senders, CodeMap codes)
    {
        ArgumentNullException.ThrowIfNull(senders);
        _pids = new PidMapper(senders.Establishments);
        _procedures = new ProcedureMapper(codes);
    }

    public MappingResult<MessageMapping> Build(Hl7Message message, MessageSource source, DateTimeOffset receivedAt)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(source);
        if (MessageTransaction.UnsupportedTrigger(SupportedTriggers, source, "an account or charge message") is { } unsupported) return unsupported;

        var patient = MessageTransaction.MapPatient(message, source, _pids);
        if (!patient.IsSuccess) return patient.Error;
        var identity = PatientIdentity.Of(patient.Value, source.Establishment)!;
        if (message.Pr1s().Count == 0)
            return Fail(Hl7ErrorCodes.SegmentSequenceError, new Hl7ErrorLocation("PR1"), $"{source.MessageType} requires a PR1 segment");

        var transaction = new MessageTransaction(source);
        var patientUrl = transaction.AddPatient(patient.Value, identity);
        if (MessageProcedures.AddAll(transaction, message, _procedures, patientUrl, identity) is { } error) return error;
        return MappingResult<MessageMapping>.Success(transaction.Mapping(receivedAt, patient.Value, identity, carriesDemographics: false));
    }

    private static MappingResult<MessageMapping> Fail(int code, Hl7ErrorLocation location, string message) => MappingResult<MessageMapping>.Failure(code, location, message);
}
