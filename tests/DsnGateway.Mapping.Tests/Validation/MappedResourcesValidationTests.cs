using System.Text;
using DsnGateway.Fhir.Model;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using DsnGateway.Fhir.Validation;
using DsnGateway.Hl7v2.Parsing;
using DsnGateway.Mapping.Bundles;
using DsnGateway.Mapping.Codes;
using DsnGateway.Mapping.Csv;
using DsnGateway.Mapping.Establishments;
using DsnGateway.Mapping.Identity;
using DsnGateway.Mapping.Patients;
using static DsnGateway.Mapping.Tests.QuebecOrderFixtures;

namespace DsnGateway.Mapping.Tests.Validation;

/// <summary>
/// Every resource the test suites' messages become, validated with Firely's validator offline against base R4 and
/// (Patients) the CA Baseline Patient profile of ../shared/quebec/ca-baseline: the HL7 v2 samples of ../shared, the
/// Quebec messages these tests write (ADT, pharmacy, operating room), and every row of the sample CSV exports in
/// config/sample-data, each through the mapper as ingestion runs it. Zero errors allowed.
/// </summary>
public sealed class MappedResourcesValidationTests
{
    private static readonly DateTimeOffset Received = new(2024, 1, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Built once: the first validation reads specification.zip and snapshots the CA Baseline profile.</summary>
    private static readonly Lazy<ResourceValidator> Validator = new(() => new ResourceValidator(SharedData.Path("quebec", "ca-baseline")));

    // The shared samples' senders, onboarded as the other sample tests do (their MRN's assigning authority as code).
    private static readonly SenderRegistry SampleSenders = SenderConfiguration.Parse("""
        { "establishments": [
            { "code": "TEST1", "name": "Good Health Hospital", "facility": "GHHSFacility",
              "senders": [ { "application": "ADTApp" }, { "application": "BARApp" }, { "application": "IMMAPP" }, { "application": "ORDApp" } ] },
            { "code": "MR", "name": "Redox test", "facility": "RDX", "senders": [ { "application": "REDOX" } ] },
            { "code": "BCBS", "name": "Ntierprise Clinic", "facility": "Ntierprise Clinic", "senders": [ { "application": "Ntierprise" } ] }
        ] }
        """);

    static MappedResourcesValidationTests() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    private static string ConfigDirectory => Path.GetDirectoryName(QuebecFixtures.ConfigPath)!;

    /// <summary>The shared HL7 v2 samples that map (the others are refused before mapping: unknown sender or type).</summary>
    public static TheoryData<string> SharedMessages()
    {
        var data = new TheoryData<string>();
        foreach (var folder in new[] { Path.Combine("fhir-converter", "samples"), "misc" })
            foreach (var file in Directory.GetFiles(SharedData.Path("hl7v2", folder)).Order(StringComparer.Ordinal))
                if (MapShared(file) is not null) data.Add(Path.GetRelativePath(SharedData.Path("hl7v2"), file));
        return data;
    }

    internal static Bundle? MapShared(string path)
    {
        var parsed = Hl7Parser.Parse(File.ReadAllBytes(path));
        if (!parsed.IsSuccess) return null;
        var result = new MessageBundleBuilder(SampleSenders, CodeMap.Empty).Build(parsed.Message!, Received);
        return result.IsSuccess ? result.Value!.Bundle : null;
    }

    /// <summary>The Quebec messages of these tests, one of each kind the gateway maps.</summary>
    internal static readonly Dictionary<string, Func<Hl7Message>> QuebecMessages = new()
    {
        ["ADT^A01 NIM (Marie Côté)"] = () => QuebecFixtures.Parse(QuebecFixtures.MarieA01()),
        ["ADT^A08 NIM"] = () => QuebecFixtures.Parse(QuebecFixtures.MarieA01("A08", "NIM-0002")),
        ["ADT^A04 MCQ Latin-1 (Jean Bélanger, deceased)"] = () => QuebecFixtures.Parse(QuebecFixtures.Latin1Bytes(QuebecFixtures.JeanA04Latin1Text("20240201101500"))),
        ["RDE^O11 NIM"] = () => Message("RDE^O11^RDE_O11", "PHARM_NIM", "NIM", "RX-0001", Pv1, Orc(), "TQ1|1||BID", Rxe(), "RXR|PO^Orale^HL70162|BD^Bras droit|"),
        ["RDE^O11 NIM discontinued"] = () => Message("RDE^O11^RDE_O11", "PHARM_NIM", "NIM", "RX-0003", Pv1, Orc(control: "DC"), Rxe()),
        ["RDE^O25 MCQ"] = () => Message("RDE^O25^RDE_O25", "PHARM_MCQ", "MCQ", "M-1", Orc(transactionTime: "202401151030"), Rxe(drug: "AMOX250^Amoxicilline 250 mg^PHARMMCQ")),
        ["OMP^O09 NIM"] = () => Message("OMP^O09^OMP_O09", "PHARM_NIM", "NIM", "OMP-1", Pv1, Orc(), "RXO|ACET500^Acétaminophène 500 mg^PHARMNIM|500|1000|mg^milligramme^UCUM"),
        ["ORM^O01 NIM"] = () => Message("ORM^O01^ORM_O01", "PHARM_NIM", "NIM", "ORM-1", Pv1, Orc(), "RXO|ACET500^Acétaminophène 500 mg^PHARMNIM|500|1000|mg^milligramme^UCUM"),
        ["BAR^P12 MCQ"] = () => Message("BAR^P12^BAR_P12", "BLOC_MCQ", "MCQ", "OR-1", Pv1, Pr1(minutes: "45", identifier: "PROC-77^BLOCMCQ")),
        ["BAR^P01 NIM two procedures"] = () => Message("BAR^P01^BAR_P01", "BLOC_NIM", "NIM", "OR-2", Pv1, Pr1(setId: "1"), Pr1(setId: "2", code: "CHOLLAP^Cholécystectomie^BLOCNIM", time: "")),
        ["DFT^P03 NIM"] = () => Message("DFT^P03^DFT_P03", "BLOC_NIM", "NIM", "OR-12", Pv1, Pr1()),
    };

    public static TheoryData<string> QuebecMessageNames() => new(QuebecMessages.Keys);

    public static TheoryData<string> SampleCsvFiles() =>
        new(Directory.GetFiles(Path.Combine(ConfigDirectory, "sample-data"), "*.csv").Select(Path.GetFileName).Order(StringComparer.Ordinal)!);

    [Theory]
    [MemberData(nameof(SharedMessages))]
    public void A_shared_sample_maps_to_valid_resources(string file) =>
        AssertValid(file, [MapShared(SharedData.Path("hl7v2", file))!]);

    [Theory]
    [MemberData(nameof(QuebecMessageNames))]
    public void A_Quebec_message_maps_to_valid_resources(string name) => AssertValid(name, [MapQuebec(name)]);

    /// <summary>The Bundle of a Quebec message of <see cref="QuebecMessages"/>, mapped with the repository's senders and code maps.</summary>
    internal static Bundle MapQuebec(string name)
    {
        var result = new MessageBundleBuilder(QuebecFixtures.DefaultSenders(), DefaultCodes()).Build(QuebecMessages[name](), Received);
        result.IsSuccess.Should().BeTrue(result.Error?.ToString());
        return result.Value!.Bundle;
    }

    [Theory]
    [MemberData(nameof(SampleCsvFiles))]
    public async Task Every_row_of_a_sample_export_maps_to_valid_resources(string file) => AssertValid(file, await MapSampleCsv(file));

    /// <summary>Every row of a sample export as the Bundle the importer builds for it (none may be rejected).</summary>
    internal static async Task<List<Bundle>> MapSampleCsv(string file)
    {
        var senders = QuebecFixtures.DefaultSenders();
        var layouts = CsvLayoutConfiguration.Load(Path.Combine(ConfigDirectory, CsvLayoutConfiguration.FileName), senders.Establishments);
        var codes = CodeMapConfiguration.Load(Path.Combine(ConfigDirectory, CodeMapConfiguration.FileName), senders.Establishments);
        await using var input = File.OpenRead(Path.Combine(ConfigDirectory, "sample-data", file));
        // The file names say whose export of what they are: nim-patients-fr.csv, mcq-medication-orders-en.csv.
        var establishment = file[..3].ToUpperInvariant();
        CsvKinds.TryParse(file[4..file.LastIndexOf('-')], out var kind).Should().BeTrue(file);
        var layout = CsvFileCheck.Run(input, layouts.Of(establishment, kind)).Layout;
        var source = new CsvSource(layout.Establishment, layout.Kind, file, Received);
        var mapper = new CsvRowMapper(layout, codes);
        using var reader = new CsvFileReader(input, layout);
        var bundles = new List<Bundle>();
        await foreach (var row in reader.ReadRowsAsync())
        {
            var record = mapper.Map(row).Record;
            record.Should().NotBeNull($"the sample export {file} has no rejected row");
            var identity = record!.Patient.Nam is { } nam
                ? new PatientIdentity(PatientIdentityKind.Nam, QuebecHealthNumber.System, nam)
                : new PatientIdentity(PatientIdentityKind.Mrn, layout.Establishment.MrnSystem, record.Patient.Mrn!);
            bundles.Add(CsvBundleBuilder.Build(record, source, identity, mapper.IdentityIdentifiers(record.Patient)));
        }
        bundles.Should().NotBeEmpty();
        return bundles;
    }

    [Fact]
    public void The_shared_samples_that_map_include_admissions_orders_and_procedures()
    {
        var types = ((IEnumerable<object[]>)SharedMessages()).Select(row => (string)row[0]).SelectMany(f => MapShared(SharedData.Path("hl7v2", f))!.Entry!)
            .Select(e => e.Resource!.TypeName).ToHashSet();
        types.Should().Contain(["Patient", "MedicationRequest", "Procedure", "Provenance"]);
    }

    [Fact]
    public void The_validator_reports_a_CA_Baseline_error_with_its_path()
    {
        // CA Baseline requires a telecom's system and value; base R4 does not.
        var patient = new Patient { Telecom = [new ContactPoint { Use = ContactPoint.ContactPointUse.Home }] };
        var issues = Validator.Value.Validate(patient);
        issues.Should().Contain(i => i.IsError && i.Path.StartsWith("Patient.telecom[0]", StringComparison.Ordinal));
    }

    [Fact]
    public void The_validator_reports_what_R4_forbids()
    {
        // A code outside its required value set: Firely's strict parse refuses it.
        var issues = Validator.Value.Validate("""{"resourceType":"Patient","gender":"homme"}""");
        issues.Should().Contain(i => i.IsError);
        Validator.Value.Validate(new MedicationRequest { Status = MedicationRequest.MedicationrequestStatus.Active }).Should().Contain(i => i.IsError,
            "intent, subject and medication[x] are required in R4");
    }

    private static void AssertValid(string source, IEnumerable<Bundle> bundles)
    {
        var errors = new List<string>();
        var count = 0;
        foreach (var bundle in bundles)
            foreach (var (entry, index) in bundle.Entry!.Select((e, i) => (e, i)))
            {
                count++;
                errors.AddRange(Validator.Value.Validate(entry.Resource!).Where(i => i.IsError)
                    .Select(i => $"entry[{index}] {entry.Resource!.TypeName}: {i.Severity} {i.Path}: {i.Message}"));
            }
        count.Should().BePositive();
        errors.Should().BeEmpty($"what {source} becomes is valid R4 (and CA Baseline for Patients)");
    }
}
