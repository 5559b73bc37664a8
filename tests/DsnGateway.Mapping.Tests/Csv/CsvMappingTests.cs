using System.Text;
using DsnGateway.Fhir.Model;
using Hl7.Fhir.Model;
using DsnGateway.Mapping.Codes;
using DsnGateway.Mapping.Csv;

namespace DsnGateway.Mapping.Tests.Csv;

/// <summary>
/// The two layouts of the default configuration, configured differently: NIM (French: semicolons, Windows-1252,
/// dd/MM/yyyy, decimal comma, "Homme/Femme", "actif/cessé") and MCQ (English: commas, UTF-8, ISO dates, procedures
/// by position without a header). People, NAMs and numbers are invented.
/// </summary>
public sealed class CsvMappingTests
{
    private static readonly Mapping.Establishments.SenderRegistry Senders = QuebecFixtures.DefaultSenders();

    private static readonly CsvLayouts Layouts =
        CsvLayoutConfiguration.Load(Path.Combine(Path.GetDirectoryName(QuebecFixtures.ConfigPath)!, CsvLayoutConfiguration.FileName), Senders.Establishments);

    private static readonly CodeMap Codes =
        CodeMapConfiguration.Load(Path.Combine(Path.GetDirectoryName(QuebecFixtures.ConfigPath)!, CodeMapConfiguration.FileName), Senders.Establishments);

    static CsvMappingTests() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    /// <summary>Rows of a file in a layout of the shipped configuration (the first of its kind unless named).</summary>
    private static List<CsvRowResult> Map(string establishment, CsvKind kind, string text, string? layoutName = null)
    {
        var layout = layoutName is null ? Layouts.Of(establishment, kind)[0] : Layouts.Find(establishment, kind, layoutName)!;
        var bytes = layout.Encoding.GetBytes(text);
        using var reader = new CsvFileReader(new MemoryStream(bytes), layout);
        var mapper = new CsvRowMapper(layout, Codes);
        var results = reader.ReadRowsAsync().ToBlockingEnumerable().Select(mapper.Map).ToList();
        foreach (var record in results.Select(r => r.Record).OfType<CsvRecord>()) Validation.StrictRoundTripTests.AssertRoundTrip(record, layout);
        return results;
    }

    private const string FrenchPatientHeader =
        "NAM;No dossier;Nom;Prénom;Date de naissance;Sexe;Adresse;Ville;Province;Code postal;Téléphone;Date d'extraction\r\n";

    [Fact]
    public void French_patients_in_windows_1252_are_read_with_accents_dates_and_sex_spellings()
    {
        var results = Map("NIM", CsvKind.Patients, FrenchPatientHeader +
            "BEAH85561512;NIM100001;Bélanger;Hélène;15/06/1985;Femme;12 rue de l'Église;Montréal;QC;H2X 1Y4;514-555-0101;20/11/2026 08:30\r\n");

        var record = results.Single().Record!;
        Layouts.Find("NIM", CsvKind.Patients, "fr")!.Encoding.WebName.Should().Be("windows-1252");
        record.Line.Should().Be(2);
        record.BusinessKey.Should().Be("nam:BEAH85561512");
        var patient = (Patient)record.Resource;
        patient.Name![0].Family.Should().Be("Bélanger");
        patient.Name[0].Given.Should().Equal("Hélène");
        patient.BirthDate.Should().Be("1985-06-15");
        patient.Gender.Should().Be(AdministrativeGender.Female);
        patient.Address![0].Line.Should().Equal("12 rue de l'Église");
        record.SourceTime.Should().Be(new DateTimeOffset(2026, 11, 20, 8, 30, 0, TimeSpan.FromHours(-5)));
    }

    [Fact]
    public void A_code_FHIR_cannot_hold_rejects_its_row_with_the_column_and_the_value()
    {
        var results = Map("NIM", CsvKind.MedicationOrders,
            "NAM;No dossier;No ordonnance;No pharmacie;Code médicament;Médicament;Dose;Unité;Voie;Posologie;Statut;Date de prescription;Permis prescripteur;Prescripteur\r\n" +
            "BEAH85561512;;RX1;PH1;ACET  500;Acétaminophène;1,5;comprimé;orale;q6h;cessé;20/11/2026 09:15;95112;Dre Roy\r\n");

        results.Single().Record.Should().BeNull();
        results.Single().Reject!.Reason.Should().Be("Code médicament 'ACET  500' is not a valid FHIR code (no leading, trailing or repeated whitespace)");
    }

    [Fact]
    public void French_orders_read_decimal_commas_and_map_status_spellings_and_codes()
    {
        var results = Map("NIM", CsvKind.MedicationOrders,
            "NAM;No dossier;No ordonnance;No pharmacie;Code médicament;Médicament;Dose;Unité;Voie;Posologie;Statut;Date de prescription;Permis prescripteur;Prescripteur\r\n" +
            "BEAH85561512;;RX1;PH1;ACET500;Acétaminophène;1,5;comprimé;orale;q6h;cessé;20/11/2026 09:15;95112;Dre Roy\r\n" +
            ";NIM100001;RX2;;INCONNU9;Sirop;2;ml;;;actif;21/11/2026;;\r\n");

        var first = (MedicationRequest)results[0].Record!.Resource;
        first.Status.Should().Be(MedicationRequest.MedicationrequestStatus.Stopped);
        first.Intent.Should().Be(MedicationRequest.MedicationRequestIntent.Order);
        first.DosageInstruction![0].DoseAndRate![0].DoseQuantity!.Value.Should().Be(1.5m);
        first.MedicationCodeableConcept!.Coding!.Select(c => c.System).Should().Equal(CodeSystems.Din, "urn:dsn:code:nim:pharmnim");
        first.AuthoredOn.Should().Be("2026-11-20T09:15:00-05:00");
        first.Requester!.Identifier!.System.Should().Be("urn:dsn:licence:cmq");
        results[0].Record!.BusinessKey.Should().Be("placer:RX1");

        var second = results[1].Record!;
        ((MedicationRequest)second.Resource).Status.Should().Be(MedicationRequest.MedicationrequestStatus.Active);
        ((MedicationRequest)second.Resource).AuthoredOn.Should().Be("2026-11-21");
        second.UnmappedCodes.Should().ContainSingle().Which.Code.Should().Be("INCONNU9");
    }

    [Fact]
    public void English_orders_map_status_spellings_through_the_hl7_table_and_keep_unknown_spellings()
    {
        var results = Map("MCQ", CsvKind.MedicationOrders,
            "health_number,mrn,order_no,pharmacy_no,drug_code,drug_system,drug_name,dose,unit,route,sig,status,ordered_at,prescriber_licence,prescriber\n" +
            "BEAH85561512,,O-1,,12001,PHARMCQ,Acetaminophen,500,mg,PO,q6h,discontinued,2026-11-20 09:15:00,95112,Dr Roy\n" +
            ",MCQ7,O-2,,12001,PHARMCQ,Acetaminophen,1.5,mg,PO,,paused,2026-11-20T09:15:00,,\n" +
            ",MCQ8,O-3,,12001,PHARMCQ,Acetaminophen,\"1,5\",mg,PO,,active,2026-11-20,,\n");

        ((MedicationRequest)results[0].Record!.Resource).Status.Should().Be(MedicationRequest.MedicationrequestStatus.Stopped);
        ((MedicationRequest)results[0].Record!.Resource).MedicationCodeableConcept!.Coding![0].Code.Should().Be("02229873");
        var unknown = (MedicationRequest)results[1].Record!.Resource;
        unknown.Status.Should().Be(MedicationRequest.MedicationrequestStatus.Unknown);
        unknown.Extension!.Single().ValueString.Should().Be("paused");
        results[2].Reject!.Reason.Should().Be("dose: 1,5 is not a number (decimal separator '.')");
    }

    [Fact]
    public void English_procedures_without_a_header_are_read_by_position()
    {
        var results = Map("MCQ", CsvKind.Procedures, "P-77,BEAH85561512,,1.VA.53.LA-PN,Hip replacement,2026-11-19 13:45:00,95112,Dr Roy\n");

        var record = results.Single().Record!;
        record.Line.Should().Be(1);
        var procedure = (Procedure)record.Resource;
        procedure.Identifier![0].System.Should().Be("urn:dsn:procedure:mcq");
        procedure.Status.Should().Be(EventStatus.Completed);
        procedure.Code!.Coding![0].System.Should().Be(CodeSystems.Cci);
        procedure.PerformedDateTime.Should().Be("2026-11-19T13:45:00-05:00");
        procedure.Performer![0].Actor!.Identifier!.Value.Should().Be("95112");
    }

    [Theory]
    [InlineData("BEAH85561512;NIM1;Bélanger;Hélène;1985-06-15;Femme;;;;;;", "Date de naissance: 1985-06-15 is not a date (expected dd/MM/yyyy)")]
    [InlineData("BEAH85561512;NIM1;Bélanger;Hélène;31/02/1978;Femme;;;;;;", "Date de naissance: 31/02/1978 is not a date")]
    [InlineData("BEAH8556151;NIM1;Bélanger;Hélène;15/06/1985;Femme;;;;;;", "NAM: BEAH8556151: NAM malformed")]
    [InlineData("BEAH85561512;NIM1;Bélanger;Hélène;15/06/1985;Homme;;;;;;", "NAM malformed")]
    [InlineData("BEAH85561512;NIM1;Bélanger;Hélène;16/06/1985;Femme;;;;;;", "NAM malformed")]
    [InlineData(";;Bélanger;Hélène;15/06/1985;Femme;;;;;;", "missing required field: NAM or No dossier")]
    [InlineData("BEAH85561512;NIM1;;Hélène;15/06/1985;Femme;;;;;;", "missing required field: Nom")]
    [InlineData("BEAH85561512;NIM1;Bélanger;Hélène;15/06/1985;F;;;;;;", "Sexe: F is not a sex this layout knows (Homme, Femme, Autre, Inconnu)")]
    [InlineData("BEAH85561512;NIM1;Bélanger;Hélène;15/06/1985;Femme;;;;;;hier", "Date d'extraction: hier is not a date-time")]
    public void Bad_patient_rows_are_rejected_with_their_line_and_reason(string row, string reason)
    {
        var result = Map("NIM", CsvKind.Patients, FrenchPatientHeader + row + "\r\n").Single();

        result.Record.Should().BeNull();
        result.Reject!.Line.Should().Be(2);
        result.Reject.Reason.Should().Contain(reason);
    }

    [Fact]
    public void A_header_without_a_configured_column_is_an_error_for_the_whole_file()
    {
        var act = () => Map("NIM", CsvKind.Patients, "NAM;Nom\r\nBEAH85561512;Bélanger\r\n");

        act.Should().Throw<CsvFileException>().WithMessage("*No dossier*");
    }

    [Fact]
    public void A_quoted_field_with_a_line_break_keeps_the_line_numbers_right()
    {
        var results = Map("MCQ", CsvKind.Procedures,
            "P-1,BEAH85561512,,1.VA.53.LA-PN,\"Hip\nreplacement\",2026-11-19,,\nP-2,,MCQ9,XYZ,Other,not a date,,\n");

        results[0].Record!.Line.Should().Be(1);
        results[1].Reject!.Line.Should().Be(3);
        results[1].Reject!.Reason.Should().StartWith("column 6: not a date is not a date");
    }

    [Theory]
    [InlineData("""{ "XYZ": { "patients": { "columns": { "nam": 1, "family": 2 } } } }""", "establishment 'XYZ'")]
    [InlineData("""{ "NIM": { "visits": { "columns": { "nam": 1 } } } }""", "unknown kind 'visits'")]
    [InlineData("""{ "NIM": { "patients": { "delimiter": ":", "columns": { "nam": 1, "family": 2 } } } }""", "delimiter")]
    [InlineData("""{ "NIM": { "patients": { "encoding": "klingon", "columns": { "nam": 1, "family": 2 } } } }""", "encoding 'klingon'")]
    [InlineData("""{ "NIM": { "patients": { "header": false, "columns": { "nam": "NAM", "family": 2 } } } }""", "no header row")]
    [InlineData("""{ "NIM": { "patients": { "columns": { "family": 2 } } } }""", "nam or mrn")]
    [InlineData("""{ "NIM": { "patients": { "columns": { "nam": 1, "family": 2, "shoeSize": 3 } } } }""", "shoeSize")]
    [InlineData("""{ "NIM": { "patients": { "dateFormats": ["MM/yyyy"], "columns": { "nam": 1, "family": 2 } } } }""", "full date")]
    [InlineData("""{ "NIM": { "patients": { "sex": { "H": "man" }, "columns": { "nam": 1, "family": 2 } } } }""", "sex spelling 'H'")]
    [InlineData("""{ "NIM": { "patients": { "columns": { "nam": 1, "family": 2, "sex": 3 } } } }""", "needs \"sex\"")]
    [InlineData("""{ "NIM": { "medication-orders": { "status": { "x": "paused" }, "columns": { "nam": 1, "placer": 2, "drugCode": 3 } } } }""", "status spelling 'x'")]
    [InlineData("""{ "NIM": { "patients": { "delimiter": ",", "decimalSeparator": ",", "columns": { "nam": 1, "family": 2 } } } }""", "decimal separator")]
    public void A_wrong_layout_is_an_error_naming_the_problem(string json, string expected)
    {
        var act = () => CsvLayoutConfiguration.Parse(json, Senders.Establishments);

        act.Should().Throw<CsvLayoutConfigurationException>().WithMessage($"*{expected}*");
    }

    [Fact]
    public void The_same_row_gives_the_same_control_id_and_a_changed_row_another()
    {
        var header = "health_number,mrn,order_no,pharmacy_no,drug_code,drug_system,drug_name,dose,unit,route,sig,status,ordered_at,prescriber_licence,prescriber\n";
        var a = Map("MCQ", CsvKind.MedicationOrders, header + ",MCQ7,O-2,,12001,PHARMCQ,A,1,mg,PO,,active,2026-11-20,,\n").Single().Record!;
        var again = Map("MCQ", CsvKind.MedicationOrders, header + ",MCQ7,O-2,,12001,PHARMCQ,A,1,mg,PO,,active,2026-11-20,,\r\n").Single().Record!;
        var changed = Map("MCQ", CsvKind.MedicationOrders, header + ",MCQ7,O-2,,12001,PHARMCQ,A,1,mg,PO,,discontinued,2026-11-20,,\n").Single().Record!;

        again.ControlId.Should().Be(a.ControlId);
        changed.BusinessKey.Should().Be(a.BusinessKey);
        changed.ControlId.Should().NotBe(a.ControlId);
    }
}
