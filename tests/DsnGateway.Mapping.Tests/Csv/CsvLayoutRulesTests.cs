using System.Text;
using DsnGateway.Fhir.Model;
using Hl7.Fhir.Model;
using DsnGateway.Mapping.Codes;
using DsnGateway.Mapping.Csv;

namespace DsnGateway.Mapping.Tests.Csv;

/// <summary>
/// Value rules written in the layout, not in code (a fixed value, digits only, a split column, a coded column's
/// system), several named layouts per kind, and the shipped sample exports: one per configured layout, each read
/// without a reject.
/// </summary>
public sealed class CsvLayoutRulesTests
{
    private static readonly Mapping.Establishments.SenderRegistry Senders = QuebecFixtures.DefaultSenders();

    private static readonly string ConfigDirectory = Path.GetDirectoryName(QuebecFixtures.ConfigPath)!;

    private static readonly CsvLayouts Shipped =
        CsvLayoutConfiguration.Load(Path.Combine(ConfigDirectory, CsvLayoutConfiguration.FileName), Senders.Establishments);

    private static readonly CodeMap Codes = CodeMapConfiguration.Load(Path.Combine(ConfigDirectory, CodeMapConfiguration.FileName), Senders.Establishments);

    static CsvLayoutRulesTests() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    private static List<CsvRowResult> Map(CsvLayout layout, string text)
    {
        using var reader = new CsvFileReader(new MemoryStream(layout.Encoding.GetBytes(text)), layout);
        var mapper = new CsvRowMapper(layout, Codes);
        var results = reader.ReadRowsAsync().ToBlockingEnumerable().Select(mapper.Map).ToList();
        foreach (var record in results.Select(r => r.Record).OfType<CsvRecord>()) Validation.StrictRoundTripTests.AssertRoundTrip(record, layout);
        return results;
    }

    [Fact]
    public void A_fixed_province_and_phone_digits_come_from_the_layout()
    {
        var layout = Shipped.Find("NIM", CsvKind.Patients, "en")!;

        var record = Map(layout, "health_number,chart_no,last_name,first_name,birth_date,sex,street,city,postal_code,phone,extracted_at\n" +
            "ROYC85620518,N7102,Roy,Chloé,1985-12-05,F,1 rue X,Montréal,H2V 4E7,+1 (514) 555-0144,2026-11-21 09:00:00\n").Single().Record!;

        var patient = (Patient)record.Resource;
        patient.Address![0].State.Should().Be("QC", "the English export has no province column: the layout fixes it");
        patient.Telecom![0].Value.Should().Be("15145550144");
    }

    [Fact]
    public void A_split_pattern_gives_the_surgeons_name_and_licence_from_one_column()
    {
        var layout = Shipped.Find("NIM", CsvKind.Procedures, "en")!;
        const string header = "case_no,health_number,chart_no,procedure_code,procedure,performed_at,status,surgeon\n";

        var results = Map(layout, header +
            "OR1,TREN01013045,N7101,CHOLLAP,Cholecystectomy,2026-11-22 08:10:00,done,\"Dubé, Alexandre (61588)\"\n" +
            "OR2,TREN01013045,N7101,CHOLLAP,Cholecystectomy,2026-11-22 08:10:00,done,Dubé Alexandre 61588\n" +
            "OR3,TREN01013045,N7101,CHOLLAP,Cholecystectomy,2026-11-22 08:10:00,done,\n");

        var procedure = (Procedure)results[0].Record!.Resource;
        procedure.Performer![0].Actor!.Identifier!.Value.Should().Be("61588");
        procedure.Performer[0].Actor!.Identifier!.System.Should().Be("urn:dsn:licence:cmq");
        procedure.Performer[0].Actor!.Display.Should().Be("Dubé, Alexandre");
        procedure.Code!.Coding![0].Code.Should().Be("1.OD.89.DA", "CHOLLAP is in NIM's code map");
        results[1].Reject!.Reason.Should().StartWith("surgeon: Dubé Alexandre 61588 does not match the layout's pattern");
        ((Procedure)results[2].Record!.Resource).Performer.Should().BeEmpty("a blank split column gives no fields");
    }

    [Fact]
    public void A_route_with_a_code_system_is_coded_as_hl7_reads_rxr()
    {
        var layout = Shipped.Find("MCQ", CsvKind.MedicationOrders, "en")!;

        var request = (MedicationRequest)Map(layout,
            "health_number,mrn,order_no,pharmacy_no,drug_code,drug_system,drug_name,dose,unit,route,sig,status,ordered_at,prescriber_licence,prescriber\n" +
            ",M1,O-1,,12001,PHARMCQ,Acetaminophen,500,mg,PO,q6h,active,2026-11-20 09:15:00,,\n").Single().Record!.Resource;

        var route = request.DosageInstruction![0].Route!.Coding!.Single();
        route.System.Should().Be("http://terminology.hl7.org/CodeSystem/v2-0162");
        route.Code.Should().Be("PO");
        // Without a code system (NIM's French export) the route stays text.
        var french = (MedicationRequest)Map(Shipped.Find("NIM", CsvKind.MedicationOrders, "fr")!,
            "NAM;No dossier;No ordonnance;No pharmacie;Code médicament;Médicament;Dose;Unité;Voie;Posologie;Statut;Date de prescription;Permis prescripteur;Prescripteur\r\n" +
            ";N1;RX1;;ACET500;;1;co;orale;;actif;20/11/2026;;\r\n").Single().Record!.Resource;
        french.DosageInstruction![0].Route!.Text.Should().Be("orale");
        french.DosageInstruction[0].Route!.Coding.Should().BeEmpty();
    }

    [Fact]
    public void A_local_route_system_is_the_establishments_own()
    {
        var layout = CsvLayoutConfiguration.Parse("""
            { "MCQ": { "medication-orders": { "columns": { "mrn": "mrn", "placer": "no", "drugCode": "drug", "route": { "column": "voie", "codeSystem": "VOIEMCQ" } } } } }
            """, Senders.Establishments).Of("MCQ", CsvKind.MedicationOrders)[0];

        var request = (MedicationRequest)Map(layout, "mrn,no,drug,voie\nM1,O1,12001,BUC\n").Single().Record!.Resource;

        request.DosageInstruction![0].Route!.Coding!.Single().System.Should().Be("urn:dsn:code:mcq:voiemcq");
    }

    [Theory]
    [InlineData("""{ "NIM": { "patients": [ { "columns": { "mrn": 1, "family": 2 } }, { "name": "b", "columns": { "mrn": 1, "family": 2 } } ] } }""", "needs a \"name\"")]
    [InlineData("""{ "NIM": { "patients": [ { "name": "a", "columns": { "mrn": 1, "family": 2 } }, { "name": "A", "columns": { "mrn": 1, "family": 2 } } ] } }""", "used twice")]
    [InlineData("""{ "NIM": { "patients": { "columns": { "mrn": 1, "family": 2, "province": { "value": "QC", "column": 3 } } } } }""", "fixed value")]
    [InlineData("""{ "NIM": { "patients": { "columns": { "mrn": 1, "family": 2, "phone": { "column": 3, "codeSystem": "X" } } } } }""", "not coded")]
    [InlineData("""{ "NIM": { "patients": { "columns": { "mrn": 1, "family": 2, "phone": { "column": 3, "rounding": 1 } } } } }""", "unknown setting 'rounding'")]
    [InlineData("""{ "NIM": { "procedures": { "columns": { "mrn": 1, "procedureId": 2, "code": 3, "performed": 4 }, "split": [ { "column": 5, "pattern": "(?<shoe>.+)" } ] } } }""", "group 'shoe'")]
    [InlineData("""{ "NIM": { "procedures": { "columns": { "mrn": 1, "procedureId": 2, "code": 3, "performed": 4, "surgeonName": 6 }, "split": [ { "column": 5, "pattern": "(?<surgeonName>.+)" } ] } } }""", "two places")]
    [InlineData("""{ "NIM": { "procedures": { "columns": { "mrn": 1, "procedureId": 2, "code": 3, "performed": 4 }, "split": [ { "column": 5, "pattern": "(" } ] } } }""", "not a valid regular expression")]
    [InlineData("""{ "NIM": { "defaults": { "name": "x" }, "patients": { "columns": { "mrn": 1, "family": 2 } } } }""", "not to the defaults")]
    public void A_wrong_rule_or_layout_list_is_an_error_naming_the_problem(string json, string expected)
    {
        var act = () => CsvLayoutConfiguration.Parse(json, Senders.Establishments);

        act.Should().Throw<CsvLayoutConfigurationException>().WithMessage($"*{expected}*");
    }

    [Fact]
    public void Todays_single_layout_shape_is_still_read_and_named_default()
    {
        var layouts = CsvLayoutConfiguration.Parse("""{ "MCQ": { "patients": { "columns": { "mrn": "mrn", "family": "name" } } } }""", Senders.Establishments);

        layouts.Find("MCQ", CsvKind.Patients)!.Name.Should().Be(CsvLayouts.DefaultName);
    }

    public static TheoryData<string, string, string> ShippedLayouts()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var layout in Shipped.All) data.Add(layout.Establishment.Code, CsvKinds.Name(layout.Kind), layout.Name);
        return data;
    }

    [Theory]
    [MemberData(nameof(ShippedLayouts))]
    public void Every_configured_layout_has_a_sample_export_that_is_recognised_and_read_without_a_reject(string establishment, string kind, string name)
    {
        CsvKinds.TryParse(kind, out var csvKind).Should().BeTrue();
        var path = Path.Combine(ConfigDirectory, "sample-data", $"{establishment.ToLowerInvariant()}-{kind}-{name}.csv");
        File.Exists(path).Should().BeTrue($"config/sample-data/ ships one export per layout ({path})");

        using var file = File.OpenRead(path);
        var facts = CsvFileCheck.Run(file, Shipped.Of(establishment, csvKind));
        facts.Layout.Name.Should().Be(name, "the header row (or the only layout) picks it");
        using var reader = new CsvFileReader(file, facts.Layout);
        var mapper = new CsvRowMapper(facts.Layout, Codes);
        var results = reader.ReadRowsAsync().ToBlockingEnumerable().Select(mapper.Map).ToList();

        results.Should().HaveCount((int)facts.Rows).And.NotBeEmpty();
        results.Where(r => r.Reject is not null).Select(r => r.Reject!.Reason).Should().BeEmpty();
    }
}
