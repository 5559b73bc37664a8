using Hl7.Fhir.Model;
using DsnGateway.Hl7v2;
using DsnGateway.Hl7v2.Parsing;
using DsnGateway.Mapping.Codes;
using DsnGateway.Mapping.Establishments;
using DsnGateway.Mapping.Orders;
using DsnGateway.Mapping.Patients;

namespace DsnGateway.Mapping.Bundles;

/// <summary>
/// Pharmacy orders to a FHIR transaction: RDE^O11 and RDE^O25 (ORC + RXE, the order as encoded by the pharmacy),
/// OMP^O09 (ORC + RXO) and ORM^O01 (ORC, and RXO when it is a pharmacy order). One MedicationRequest per order
/// group, written by a conditional update on its placer number (else its filler number), so a later message about
/// the same order updates it; the Patient of the PID beside it. An ORM without RXO (a laboratory or other
/// non-pharmacy order) maps to its Patient only. Stage-2 checks: ORC in every one of them (100), RXE in each order
/// of an RDE and RXO in each order of an OMP (100), a placer or filler number in each MedicationRequest (101).
/// </summary>
public sealed class OrderBundleBuilder
{
    /// <summary>Message code → triggers this builder maps.</summary>
    public static IReadOnlyDictionary<string, IReadOnlySet<string>> SupportedTriggers { get; } = new Dictionary<string, IReadOnlySet<string>>(StringComparer.OrdinalIgnoreCase)
    {
        ["RDE"] = new HashSet<string>(["O11", "O25"], StringComparer.OrdinalIgnoreCase),
        ["OMP"] = new HashSet<string>(["O09"], StringComparer.OrdinalIgnoreCase),
        ["ORM"] = new HashSet<string>(["O01"], StringComparer.OrdinalIgnoreCase),
    };

    private readonly PidMapper _pids;
    private readonly MedicationRequestMapper _orders;

    public OrderBundleBuilder(SenderRegistry senders, CodeMap codes)
    {
        ArgumentNullException.ThrowIfNull(senders);
        _pids = new PidMapper(senders.Establishments);
        _orders = new MedicationRequestMapper(codes);
    }

    /// <summary>Maps a message whose header the caller already read; its type must be one of <see cref="SupportedTriggers"/>.</summary>
    public MappingResult<MessageMapping> Build(Hl7Message message, MessageSource source, DateTimeOffset receivedAt)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(source);
        if (MessageTransaction.UnsupportedTrigger(SupportedTriggers, source, "an order message") is { } unsupported) return unsupported;

        var patient = MessageTransaction.MapPatient(message, source, _pids);
        if (!patient.IsSuccess) return patient.Error;
        var identity = PatientIdentity.Of(patient.Value, source.Establishment)!;

        var orders = OrderGroup.Read(message);
        if (orders.Count == 0)
            return Fail(Hl7ErrorCodes.SegmentSequenceError, new Hl7ErrorLocation("ORC"), $"{source.MessageType} requires an ORC segment");
        var encoded = source.MessageCode == "RDE";
        foreach (var order in orders)
        {
            if (encoded && order.Rxe is null)
                return Fail(Hl7ErrorCodes.SegmentSequenceError, new Hl7ErrorLocation("RXE", order.Position), $"order {order.Position} of {source.MessageType} has no RXE segment");
            if (source.MessageCode == "OMP" && order.Rxo is null)
                return Fail(Hl7ErrorCodes.SegmentSequenceError, new Hl7ErrorLocation("RXO", order.Position), $"order {order.Position} of {source.MessageType} has no RXO segment");
        }

        var transaction = new MessageTransaction(source);
        var patientUrl = transaction.AddPatient(patient.Value, identity);
        var requests = new List<MappedOrder>();
        // An ORM order without RXO is not a pharmacy order: it brings its Patient only.
        foreach (var order in orders.Where(o => encoded ? o.Rxe is not null : o.Rxo is not null))
        {
            var mapped = _orders.Map(order, encoded, source.Establishment, patientUrl);
            if (!mapped.IsSuccess) return mapped.Error;
            requests.Add(mapped.Value);
        }
        transaction.AddLatestPerKey("MedicationRequest", requests.Select(r => ((Resource)r.Request, r.Key, r.Unmapped)));
        return MappingResult<MessageMapping>.Success(transaction.Mapping(receivedAt, patient.Value, identity, carriesDemographics: false));
    }

    private static MappingResult<MessageMapping> Fail(int code, Hl7ErrorLocation location, string message) => MappingResult<MessageMapping>.Failure(code, location, message);
}
