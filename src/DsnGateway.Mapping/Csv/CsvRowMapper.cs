using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Hl7.Fhir.Model;
using DsnGateway.Hl7v2.Types;
using DsnGateway.Mapping.Codes;
using DsnGateway.Mapping.Identity;
using DsnGateway.Mapping.Orders;
using DsnGateway.Mapping.Practitioners;
using DsnGateway.Mapping.Procedures;

namespace DsnGateway.Mapping.Csv;

/// <summary>
/// One row of an export to a <see cref="CsvRecord"/>, or the reason it is rejected: a missing required field, a
/// bad date or number, a malformed NAM (the same rules as HL7, including agreement with the birth date and sex of
/// a patient row), a sex spelling the layout does not know. Pure: what needs the record store or the inbox
/// (unknown patients, identity conflicts, duplicates in the file) is decided by the importer.
/// </summary>
public sealed class CsvRowMapper
{
    /// <summary>Performer function of the surgeon (SNOMED CT 304292004 "Surgeon").</summary>
    public static readonly CodeableConcept SurgeonFunction = new()
    {
        Coding = [new Coding { System = "http://snomed.info/sct", Code = "304292004", Display = "Surgeon" }],
        Text = "surgeon",
    };

    private const string V2IdentifierTypes = "http://terminology.hl7.org/CodeSystem/v2-0203";

    private readonly CsvLayout _layout;
    private readonly CodeMap _codes;
    private readonly CsvValues _values;

    public CsvRowMapper(CsvLayout layout, CodeMap codes)
    {
        _layout = layout ?? throw new ArgumentNullException(nameof(layout));
        _codes = codes ?? throw new ArgumentNullException(nameof(codes));
        _values = new CsvValues(layout);
    }

    public CsvLayout Layout => _layout;

    public CsvRowResult Map(CsvRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        try
        {
            if (row.SplitMismatch is { } mismatch) throw Bad($"{mismatch.Column}: {mismatch.Value} does not match the layout's pattern {mismatch.Pattern}");
            return _layout.Kind switch
            {
                CsvKind.Patients => MapPatient(row),
                CsvKind.MedicationOrders => MapOrder(row),
                CsvKind.Procedures => MapProcedure(row),
                _ => throw new InvalidOperationException(),
            };
        }
        catch (RowRejected rejected)
        {
            return new CsvRowResult(null, new CsvReject(row.Line, rejected.Message, row.RawText));
        }
        catch (System.Text.RegularExpressions.RegexMatchTimeoutException)
        {
            return new CsvRowResult(null, new CsvReject(row.Line, "a split pattern of the layout took too long on this row", row.RawText));
        }
    }

    private CsvRowResult MapPatient(CsvRow row)
    {
        var family = Required(row, CsvField.Family);
        DateOnly? birth = row[CsvField.BirthDate] is { } birthText
            ? _values.Date(birthText) ?? throw NotA(CsvField.BirthDate, birthText, "date", _layout.DateFormats)
            : null;
        string? gender = null;
        if (row[CsvField.Sex] is { } sexText)
        {
            gender = _layout.SexSpellings.TryGetValue(sexText, out var g) ? g
                : throw Bad($"{_layout.Label(CsvField.Sex)}: {sexText} is not a sex this layout knows ({string.Join(", ", _layout.SexSpellings.Keys)})");
        }
        var reference = PatientReference(row, birth, gender);
        DateTimeOffset? sourceTime = null;
        if (row[CsvField.SourceTime] is { } sourceText)
            sourceTime = (_values.DateTime(sourceText) ?? throw NotA(CsvField.SourceTime, sourceText, "date-time", _layout.DateTimeFormats)).Instant;

        var patient = new Patient
        {
            Identifier = IdentityIdentifiers(reference),
            Name = [new HumanName { Family = family, Given = row[CsvField.Given] is { } given ? [given] : [] }],
            Gender = gender is null ? null : FhirCodes.Parse<AdministrativeGender>(gender),
            BirthDate = birth?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        };
        var line = row[CsvField.AddressLine];
        var city = row[CsvField.City];
        var province = row[CsvField.Province];
        var postal = row[CsvField.PostalCode];
        if (line is not null || city is not null || province is not null || postal is not null)
        {
            patient.Address = [new Address { Use = Address.AddressUse.Home, Line = line is null ? [] : [line], City = city, State = province, PostalCode = postal }];
        }
        if (row[CsvField.Phone] is { } phone) patient.Telecom = [new ContactPoint { System = ContactPoint.ContactPointSystem.Phone, Value = phone, Use = ContactPoint.ContactPointUse.Home }];

        var key = reference.Nam is not null ? $"nam:{reference.Nam}" : $"mrn:{reference.Mrn}";
        return Success(row, key, reference, patient, sourceTime, []);
    }

    private CsvRowResult MapOrder(CsvRow row)
    {
        var reference = PatientReference(row, null, null);
        var placer = row[CsvField.Placer];
        var filler = row[CsvField.Filler];
        if (placer is null && filler is null) throw Missing(CsvField.Placer, CsvField.Filler);
        var establishment = _layout.Establishment;
        var drug = new LocalCode(Code(row, CsvField.DrugCode), row[CsvField.DrugDisplay], row[CsvField.DrugSystem] ?? CodeSystemOf(CsvField.DrugCode));
        var translation = _codes.Translate(establishment, CodeKind.Drug, drug);

        var request = new MedicationRequest
        {
            Identifier = new[] { OrderIdentifiers.Placer(establishment, placer), OrderIdentifiers.Filler(establishment, filler) }.OfType<Identifier>().ToList(),
            Intent = MedicationRequest.MedicationRequestIntent.Order,
            Medication = translation.Concept,
        };
        var status = OrderStatusOf(row);
        request.Status = FhirCodes.Parse<MedicationRequest.MedicationrequestStatus>(status.Status);
        if (status.UnrecognizedCode is not null)
            request.Extension = [new Extension(MedicationRequestStatuses.UnrecognizedStatusExtension, new FhirString(status.UnrecognizedCode))];
        if (row[CsvField.AuthoredOn] is { } authored)
            request.AuthoredOn = (_values.DateTime(authored) ?? throw NotA(CsvField.AuthoredOn, authored, "date", _layout.DateTimeFormats)).Fhir;
        request.Requester = PractitionerReferences.Create(row[CsvField.PrescriberLicence], _layout.LicenceAuthority, row[CsvField.PrescriberName], establishment);

        Quantity? dose = null;
        if (row[CsvField.Dose] is { } doseText)
        {
            var value = _values.Decimal(doseText)
                ?? throw Bad($"{_layout.Label(CsvField.Dose)}: {doseText} is not a number (decimal separator '{_layout.DecimalSeparator}')");
            dose = new Quantity { Value = value, Unit = row[CsvField.DoseUnit] };
        }
        var route = row[CsvField.Route];
        var text = row[CsvField.DosageText];
        if (dose is not null || route is not null || text is not null)
        {
            request.DosageInstruction =
            [
                new Dosage
                {
                    Text = text,
                    Route = RouteOf(route),
                    DoseAndRate = dose is null ? [] : [new Dosage.DoseAndRateComponent { Dose = dose }],
                },
            ];
        }
        var key = placer is not null ? $"placer:{placer}" : $"filler:{filler}";
        return Success(row, key, reference, request, null, translation.Unmapped is { } u ? [u] : []);
    }

    private CsvRowResult MapProcedure(CsvRow row)
    {
        var reference = PatientReference(row, null, null);
        var id = Required(row, CsvField.ProcedureId);
        var establishment = _layout.Establishment;
        var code = new LocalCode(Code(row, CsvField.Code), row[CsvField.Display], row[CsvField.CodeSystem] ?? CodeSystemOf(CsvField.Code));
        var translation = _codes.Translate(establishment, CodeKind.Procedure, code);
        var performedText = Required(row, CsvField.Performed);
        var performed = _values.DateTime(performedText) ?? throw NotA(CsvField.Performed, performedText, "date", _layout.DateTimeFormats);

        var status = "completed";
        if (row[CsvField.Status] is { } statusText)
        {
            status = _layout.StatusSpellings.TryGetValue(statusText, out var s) ? s
                : throw Bad($"{_layout.Label(CsvField.Status)}: {statusText} is not a status this layout knows ({string.Join(", ", _layout.StatusSpellings.Keys)})");
        }
        var procedure = new Procedure
        {
            Identifier = [ProcedureIdentifiers.Given(establishment, id)!],
            Status = FhirCodes.Parse<EventStatus>(status),
            Code = translation.Concept,
            Performed = new FhirDateTime(performed.Fhir),
        };
        if (PractitionerReferences.Create(row[CsvField.SurgeonLicence], _layout.LicenceAuthority, row[CsvField.SurgeonName], establishment) is { } surgeon)
            procedure.Performer = [new Procedure.PerformerComponent { Function = (CodeableConcept)SurgeonFunction.DeepCopy(), Actor = surgeon }];
        return Success(row, $"procedure:{id}", reference, procedure, null, translation.Unmapped is { } u ? [u] : []);
    }

    /// <summary>
    /// The status by the layout's spellings: a FHIR status is taken as is, an HL7 ORC-5 code goes through DESIGN.md's
    /// table. A spelling the layout does not list becomes <c>unknown</c> with the spelling kept, as HL7 does.
    /// </summary>
    private OrderStatus OrderStatusOf(CsvRow row)
    {
        if (!_layout.Has(CsvField.Status)) return new OrderStatus("active");
        var text = Required(row, CsvField.Status);
        if (!_layout.StatusSpellings.TryGetValue(text, out var target)) return new OrderStatus("unknown", text);
        return CsvLayoutConfiguration.OrderStatuses.Contains(target) ? new OrderStatus(target) : MedicationRequestStatuses.From(target, null);
    }

    /// <summary>The patient the row names; at least a NAM or an MRN. A NAM is checked by the HL7 rules.</summary>
    private CsvPatientReference PatientReference(CsvRow row, DateOnly? birth, string? gender)
    {
        var mrn = row[CsvField.Mrn];
        string? nam = null;
        if (row[CsvField.Nam] is { } namText)
        {
            var sex = gender switch { "male" => "M", "female" => "F", _ => null };
            var check = QuebecHealthNumber.Check(namText, birth is { } b ? CsvValues.ToPartial(b) : null, sex);
            if (!check.IsValid) throw Bad($"{_layout.Label(CsvField.Nam)}: {namText}: {check.Problem}");
            nam = check.Normalized;
        }
        if (nam is null && mrn is null) throw Missing(CsvField.Nam, CsvField.Mrn);
        return new CsvPatientReference(nam, mrn);
    }

    /// <summary>The NAM and MRN as identifiers (CA Baseline types): all an order or procedure row says about its patient.</summary>
    public List<Identifier> IdentityIdentifiers(CsvPatientReference reference)
    {
        var identifiers = new List<Identifier>();
        if (reference.Nam is not null) identifiers.Add(Typed(QuebecHealthNumber.System, reference.Nam, "JHN"));
        if (reference.Mrn is not null) identifiers.Add(Typed(_layout.Establishment.MrnSystem, reference.Mrn, "MR"));
        return identifiers;
    }

    public static Identifier Typed(string system, string value, string type) => new()
    {
        Type = new CodeableConcept { Coding = [new Coding { System = V2IdentifierTypes, Code = type }] },
        System = system,
        Value = value,
    };

    private static CsvRowResult Success(CsvRow row, string key, CsvPatientReference patient, Resource resource, DateTimeOffset? sourceTime,
        IReadOnlyList<UnmappedCode> unmapped) =>
        new(new CsvRecord(KindOf(resource), row.Line, row.RawText, key, ContentHash(row.RawText), patient, resource, sourceTime, unmapped), null);

    private static CsvKind KindOf(Resource resource) => resource switch
    {
        Patient => CsvKind.Patients,
        MedicationRequest => CsvKind.MedicationOrders,
        _ => CsvKind.Procedures,
    };

    /// <summary>16 bytes of SHA-256 over the row's text: stable across line endings, distinct for any change.</summary>
    public static string ContentHash(string rawText)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(rawText), hash);
        return Convert.ToHexStringLower(hash[..16]);
    }

    private string Required(CsvRow row, CsvField field) => row[field] ?? throw Missing(field);

    /// <summary>A required column that becomes a FHIR code: a value FHIR cannot hold as one rejects the row.</summary>
    private string Code(CsvRow row, CsvField field)
    {
        var value = Required(row, field);
        return FhirCodes.IsCode(value) ? value : throw Bad(FhirCodes.NotACode(_layout.Label(field), value));
    }

    private RowRejected Missing(params CsvField[] fields)
    {
        var columns = fields.Where(_layout.Has).Select(_layout.Label).Distinct().ToList();
        return new RowRejected($"missing required field: {(columns.Count > 0 ? string.Join(" or ", columns) : string.Join(" or ", fields.Select(CsvFields.Name)))}");
    }

    /// <summary>The file's own column, the value as written, and what it should have been: the same words in map and import.</summary>
    private RowRejected NotA(CsvField field, string value, string what, IEnumerable<string> formats) =>
        new($"{_layout.Label(field)}: {value} is not a {what} (expected {string.Join(" or ", formats)})");

    /// <summary>A code's coding system: the column's own <c>codeSystem</c> rule, else the layout's.</summary>
    private string? CodeSystemOf(CsvField field) => _layout.Rule(field)?.CodeSystem ?? _layout.CodeSystem;

    /// <summary>
    /// A route as HL7 reads RXR-1: with the column's coding system (<c>HL70162</c>: HL7 table 0162; another name: the
    /// establishment's local system), a coded concept; without one, text only.
    /// </summary>
    private CodeableConcept? RouteOf(string? route)
    {
        if (route is null) return null;
        if (_layout.Rule(CsvField.Route)?.CodeSystem is not { } system) return new CodeableConcept { Text = route };
        if (!FhirCodes.IsCode(route.Trim())) throw Bad(FhirCodes.NotACode(_layout.Label(CsvField.Route), route));
        return TableCodes.Concept(new Cwe(route, "", system, "", "", ""), "0162", _layout.Establishment);
    }

    private static RowRejected Bad(string reason) => new(reason);

    /// <summary>Thrown inside the mapper only, to leave a row at its first fault; never escapes <see cref="Map"/>.</summary>
    private sealed class RowRejected(string reason) : Exception(reason);
}

/// <summary>A mapped row or its rejection (exactly one is set).</summary>
public sealed record CsvRowResult(CsvRecord? Record, CsvReject? Reject);
