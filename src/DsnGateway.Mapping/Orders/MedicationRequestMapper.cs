using System.Globalization;
using Hl7.Fhir.Model;
using DsnGateway.Hl7v2;
using DsnGateway.Hl7v2.Segments;
using DsnGateway.Hl7v2.Types;
using DsnGateway.Mapping.Codes;
using DsnGateway.Mapping.Establishments;
using DsnGateway.Mapping.Notes;
using DsnGateway.Mapping.Practitioners;

namespace DsnGateway.Mapping.Orders;

/// <summary>A mapped order: the MedicationRequest, the identifier its entry is keyed on (placer, else filler), its drug if unmapped.</summary>
public sealed record MappedOrder(MedicationRequest Request, Identifier Key, UnmappedCode? Unmapped);

/// <summary>
/// One order group to a MedicationRequest, after the HL7 v2-to-FHIR IG (ORC + RXE / RXO → MedicationRequest):
/// status by DESIGN.md's table (ORC-5, else ORC-1), intent <c>order</c>, the drug through the code maps, dose and
/// units, route/site/method from RXR, timing, <c>authoredOn</c> (RXE-32, else ORC-9), requester (ORC-12), the
/// placer (ORC-2.1) and filler (ORC-3.1) numbers, and the order's NTE as <c>note</c>. The encoded order (RXE, in RDE)
/// is what the pharmacy will dispense; the requested one (RXO) is what OMP and ORM carry. Each message states the
/// order in full, so an XO (change) simply maps to the order as changed.
/// </summary>
public sealed class MedicationRequestMapper(CodeMap codes)
{
    private readonly CodeMap _codes = codes ?? throw new ArgumentNullException(nameof(codes));

    /// <param name="encoded">True for RDE (RXE-based), false for OMP and ORM (RXO-based).</param>
    /// <param name="subject">The reference to the Patient (the urn:uuid of its entry).</param>
    public MappingResult<MappedOrder> Map(OrderGroup order, bool encoded, Establishment establishment, string subject)
    {
        ArgumentNullException.ThrowIfNull(order);
        ArgumentNullException.ThrowIfNull(establishment);
        var orc = order.Orc;
        var placer = OrderIdentifiers.Placer(establishment, Clean(orc.PlacerOrderNumber.EntityId));
        var filler = OrderIdentifiers.Filler(establishment, Clean(orc.FillerOrderNumber.EntityId));
        var key = placer ?? filler;
        if (key is null)
            return Fail(Hl7ErrorCodes.RequiredFieldMissing, new Hl7ErrorLocation("ORC", order.Position, 2),
                "an order needs a placer (ORC-2) or a filler (ORC-3) number: it is what finds the order again");

        var (segment, codeField, drug, minimum, maximum, units) = encoded
            ? ("RXE", 2, order.Rxe!.GiveCode, order.Rxe.GiveAmountMinimum, order.Rxe.GiveAmountMaximum, order.Rxe.GiveUnits)
            : ("RXO", 1, order.Rxo!.RequestedGiveCode, order.Rxo.RequestedGiveAmountMinimum, order.Rxo.RequestedGiveAmountMaximum, order.Rxo.RequestedGiveUnits);
        Hl7ErrorLocation At(int field) => new(segment, order.Position, field);

        if (LocalCode.From(drug) is not { } local)
            return Fail(Hl7ErrorCodes.RequiredFieldMissing, At(codeField), $"{segment}-{codeField} (the drug) is required");
        if (!FhirCodes.IsCode(local.Code))
            return Fail(Hl7ErrorCodes.DataTypeError, At(codeField), FhirCodes.NotACode($"{segment}-{codeField} (the drug)", local.Code));
        var medication = _codes.Translate(establishment, CodeKind.Drug, local);

        var status = MedicationRequestStatuses.From(orc.OrderStatus, orc.OrderControl);
        var request = new MedicationRequest
        {
            Identifier = new[] { placer, filler }.OfType<Identifier>().ToList(),
            Status = FhirCodes.Parse<MedicationRequest.MedicationrequestStatus>(status.Status),
            Intent = MedicationRequest.MedicationRequestIntent.Order,
            Medication = medication.Concept,
            Subject = new ResourceReference(subject),
            Requester = orc.OrderingProviders.Select(p => PractitionerReferences.From(p, establishment)).FirstOrDefault(r => r is not null),
        };
        if (status.UnrecognizedCode is { } unrecognized)
        {
            // Kept as a code, so one FHIR cannot hold as a code is refused like any malformed field, never written invalid.
            var field = Clean(orc.OrderStatus) is null ? 1 : 5;
            if (!FhirCodes.IsCode(unrecognized))
                return Fail(Hl7ErrorCodes.DataTypeError, new Hl7ErrorLocation("ORC", order.Position, field),
                    FhirCodes.NotACode($"ORC-{field} ({(field == 5 ? "order status" : "order control")})", unrecognized));
            request.Extension = [new Extension(MedicationRequestStatuses.UnrecognizedStatusExtension, new Code(unrecognized))];
        }

        var authored = encoded && Clean(order.Rxe!.OriginalOrderDateTime) is { } original ? (Text: original, Field: "RXE-32", Location: At(32))
            : (Text: Clean(orc.TransactionDateTime), Field: "ORC-9", Location: new Hl7ErrorLocation("ORC", order.Position, 9));
        if (authored.Text is { } authoredText)
        {
            if (!Hl7DateTime.TryParse(authoredText, out var time, out var error))
                return Fail(Hl7ErrorCodes.DataTypeError, authored.Location, $"{authored.Field} (order date/time): {error!.Message}");
            request.AuthoredOn = time.ToFhir(establishment.Zone);
        }

        var dosage = new Dosage { Sequence = 1 };
        var dose = Dose(minimum, maximum, units, At(encoded ? 3 : 2), segment, encoded ? 3 : 2);
        if (!dose.IsSuccess) return dose.Error;
        if (dose.Value is { Count: > 0 } doseAndRate) dosage.DoseAndRate = doseAndRate;

        var routes = encoded && order.EncodedRoutes.Count > 0 ? order.EncodedRoutes : order.RequestedRoutes;
        if (routes.FirstOrDefault() is { } rxr)
        {
            foreach (var (cwe, field, what) in new[] { (rxr.Route, 1, "route"), (rxr.AdministrationSite, 2, "site"), (rxr.AdministrationMethod, 4, "method") })
            {
                var code = cwe.Identifier.Trim();
                if (code.Length > 0 && !FhirCodes.IsCode(code))
                    return Fail(Hl7ErrorCodes.DataTypeError, new Hl7ErrorLocation("RXR", null, field), FhirCodes.NotACode($"RXR-{field} ({what})", code));
            }
            dosage.Route = TableCodes.Concept(rxr.Route, "0162", establishment);
            dosage.Site = TableCodes.Concept(rxr.AdministrationSite, "0163", establishment);
            dosage.Method = TableCodes.Concept(rxr.AdministrationMethod, "0165", establishment);
        }

        if (Timing(order, encoded, establishment) is { } timing)
        {
            dosage.Timing = timing.Timing;
            dosage.Text = timing.Text;
            if (timing.AsNeeded) dosage.AsNeeded = new FhirBoolean(true);
        }
        request.DosageInstruction = [dosage];
        request.Note = NoteAnnotations.From(order.Notes);
        return MappingResult<MappedOrder>.Success(new MappedOrder(request, key, medication.Unmapped));
    }

    /// <summary>
    /// The timing closest to what is given: for an encoded order the TQ1 after the RXE, else RXE-1; then (and for a
    /// requested order) the TQ1 under the ORC, else ORC-7.
    /// </summary>
    private static DosageTiming? Timing(OrderGroup order, bool encoded, Establishment establishment)
    {
        if (encoded)
        {
            if (order.EncodedTimings.Select(t => OrderTiming.From(t, establishment)).FirstOrDefault(t => t is not null) is { } tq1) return tq1;
            if (OrderTiming.From(order.Rxe!.Segment.Field(1), establishment) is { } rxe1) return rxe1;
        }
        return order.RequestedTimings.Select(t => OrderTiming.From(t, establishment)).FirstOrDefault(t => t is not null)
            ?? OrderTiming.From(order.Orc.Segment.Field(7), establishment);
    }

    /// <summary>The dose: a quantity, or a range when a maximum different from the minimum is given.</summary>
    private static MappingResult<List<Dosage.DoseAndRateComponent>> Dose(string minimumText, string maximumText, Cwe units, Hl7ErrorLocation at, string segment, int field)
    {
        decimal? minimum = null, maximum = null;
        if (Clean(minimumText) is { } min)
        {
            if (!decimal.TryParse(min, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v))
                return MappingResult<List<Dosage.DoseAndRateComponent>>.Failure(Hl7ErrorCodes.DataTypeError, at, $"{segment}-{field} (minimum dose) '{min}' is not a number");
            minimum = v;
        }
        if (Clean(maximumText) is { } max)
        {
            if (!decimal.TryParse(max, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v))
                return MappingResult<List<Dosage.DoseAndRateComponent>>.Failure(Hl7ErrorCodes.DataTypeError, at with { Field = field + 1 }, $"{segment}-{field + 1} (maximum dose) '{max}' is not a number");
            maximum = v;
        }
        var result = new List<Dosage.DoseAndRateComponent>();
        if (minimum is { } low && maximum is { } high && high != low)
            result.Add(new Dosage.DoseAndRateComponent { Dose = new Hl7.Fhir.Model.Range { Low = TableCodes.Quantity(low, units), High = TableCodes.Quantity(high, units) } });
        else if ((minimum ?? maximum) is { } single)
            result.Add(new Dosage.DoseAndRateComponent { Dose = TableCodes.Quantity(single, units) });
        return MappingResult<List<Dosage.DoseAndRateComponent>>.Success(result);
    }

    private static string? Clean(string? value)
    {
        var v = value?.Trim();
        return string.IsNullOrEmpty(v) || v == "\"\"" ? null : v;
    }

    private static MappingResult<MappedOrder> Fail(int code, Hl7ErrorLocation location, string message) =>
        MappingResult<MappedOrder>.Failure(code, location, message);
}
