using DsnGateway.Fhir.Serialization;
using DsnGateway.Hl7v2;
using DsnGateway.Hl7v2.Parsing;
using DsnGateway.Mapping.Bundles;
using Hl7.Fhir.Model;
using static DsnGateway.Mapping.Tests.QuebecOrderFixtures;
using Task = System.Threading.Tasks.Task;

namespace DsnGateway.Mapping.Tests.Validation;

/// <summary>
/// What the mapping writes must be what Firely's strict parse reads back, unchanged: no empty string, no malformed
/// date, no code outside its required value set or of a form FHIR refuses. Every sample the suites map (the shared
/// HL7 v2 samples, the Quebec messages, every row of the sample CSV exports) is serialized, parsed strictly and
/// serialized again; the second text must be the first. The other suites' helpers run the same check on every
/// message and row they map successfully (<see cref="AssertRoundTrip(Resource)"/>).
/// </summary>
public sealed class StrictRoundTripTests
{
    [Theory]
    [MemberData(nameof(MappedResourcesValidationTests.SharedMessages), MemberType = typeof(MappedResourcesValidationTests))]
    public void A_shared_sample_round_trips_through_the_strict_parse(string file) =>
        AssertRoundTrip(MappedResourcesValidationTests.MapShared(SharedData.Path("hl7v2", file))!);

    [Theory]
    [MemberData(nameof(MappedResourcesValidationTests.QuebecMessageNames), MemberType = typeof(MappedResourcesValidationTests))]
    public void A_Quebec_message_round_trips_through_the_strict_parse(string name) =>
        AssertRoundTrip(MappedResourcesValidationTests.MapQuebec(name));

    [Theory]
    [MemberData(nameof(MappedResourcesValidationTests.SampleCsvFiles), MemberType = typeof(MappedResourcesValidationTests))]
    public async Task Every_row_of_a_sample_export_round_trips_through_the_strict_parse(string file)
    {
        foreach (var bundle in await MappedResourcesValidationTests.MapSampleCsv(file)) AssertRoundTrip(bundle);
    }

    // What a sender may write that FHIR cannot hold as it is: refused (AE) at its field, never written as invalid FHIR.

    private static readonly DateTimeOffset Received = new(2024, 7, 16, 13, 0, 0, TimeSpan.Zero);

    private static MappingResult<MessageMapping> Build(Hl7Message message) =>
        new MessageBundleBuilder(QuebecFixtures.DefaultSenders(), DefaultCodes()).Build(message, Received);

    private static void AssertRefused(Hl7Message message, string location, string value)
    {
        var result = Build(message);
        result.IsSuccess.Should().BeFalse("FHIR has no valid form for that value");
        result.Error!.Code.Should().Be(Hl7ErrorCodes.DataTypeError);
        result.Error.Location!.ToString().Should().Be(location);
        result.Error.Message.Should().Contain($"'{value}'").And.Contain("not a valid FHIR code");
    }

    [Fact]
    public void A_drug_code_with_a_run_of_spaces_is_102_at_its_field()
    {
        AssertRefused(Message("RDE^O11^RDE_O11", "PHARM_NIM", "NIM", "RX-S1", Pv1, Orc(), Rxe(drug: "ACET  500^Acétaminophène^PHARMNIM")), "RXE(1)-2", "ACET  500");
        AssertRefused(Message("OMP^O09^OMP_O09", "PHARM_NIM", "NIM", "OMP-S1", Pv1, Orc(), "RXO|ACET  500^Acétaminophène^PHARMNIM|500||mg"), "RXO(1)-1", "ACET  500");
    }

    [Fact]
    public void A_procedure_code_with_a_run_of_spaces_is_102_at_PR1_3()
    {
        AssertRefused(Message("BAR^P12^BAR_P12", "BLOC_MCQ", "MCQ", "OR-S1", Pv1, Pr1(code: "PTH  1^Prothèse^BLOCMCQ")), "PR1(1)-3", "PTH  1");
    }

    [Fact]
    public void A_route_code_with_a_run_of_spaces_is_102_at_its_RXR_field()
    {
        AssertRefused(Message("RDE^O11^RDE_O11", "PHARM_NIM", "NIM", "RX-S2", Pv1, Orc(), Rxe(), "RXR|P  O^Orale^HL70162"), "RXR-1", "P  O");
    }

    [Fact]
    public void An_unrecognized_order_status_FHIR_cannot_hold_as_a_code_is_102_at_ORC_5()
    {
        AssertRefused(Message("RDE^O11^RDE_O11", "PHARM_NIM", "NIM", "RX-S3", Pv1, Orc(status: "Z  Z"), Rxe()), "ORC(1)-5", "Z  Z");
        Build(Message("RDE^O11^RDE_O11", "PHARM_NIM", "NIM", "RX-S4", Pv1, Orc(status: "Z Z"), Rxe())).IsSuccess.Should().BeTrue("one space inside a code is valid FHIR");
    }

    [Fact]
    public void An_identifier_type_with_a_run_of_spaces_is_102_at_its_CX_5()
    {
        var pid = QuebecFixtures.MariePid.Replace("55555^^^LAB^PI", "55555^^^LAB^P  I", StringComparison.Ordinal);
        AssertRefused(QuebecFixtures.Parse(QuebecFixtures.MarieA01(pid: pid)), "PID(1)-3[4].5", "P  I");
    }

    [Fact]
    public void A_repeat_pattern_FHIR_cannot_hold_as_a_code_is_kept_as_text_and_the_order_round_trips()
    {
        var result = Build(Message("RDE^O11^RDE_O11", "PHARM_NIM", "NIM", "RX-S5", Pv1, Orc(), "TQ1|1||Q  6H", Rxe()));

        result.IsSuccess.Should().BeTrue(result.Error?.ToString());
        var dosage = result.Value!.Bundle.Entry.Select(e => e.Resource).OfType<MedicationRequest>().Single().DosageInstruction.Single();
        dosage.Timing!.Code!.Coding.Should().BeEmpty();
        dosage.Timing.Code.Text.Should().Be("Q  6H");
        dosage.Text.Should().Be("Q  6H");
        AssertRoundTrip(result.Value.Bundle);
    }

    [Fact]
    public void A_timing_given_as_text_alone_keeps_its_text_and_round_trips()
    {
        var result = Build(Message("RDE^O11^RDE_O11", "PHARM_NIM", "NIM", "RX-S6", Pv1, Orc(), "TQ1|1||||||||||Au coucher", Rxe()));

        result.IsSuccess.Should().BeTrue(result.Error?.ToString());
        var dosage = result.Value!.Bundle.Entry.Select(e => e.Resource).OfType<MedicationRequest>().Single().DosageInstruction.Single();
        dosage.Text.Should().Be("Au coucher");
        FhirJson.Serialize(result.Value.Bundle).Should().NotContain("\"timing\"", "a Timing with nothing in it is not written");
        AssertRoundTrip(result.Value.Bundle);
    }

    [Fact]
    public void The_round_trip_check_fails_on_what_the_strict_parse_refuses()
    {
        var bundle = new Bundle
        {
            Type = Bundle.BundleType.Transaction,
            Entry = [new Bundle.EntryComponent { FullUrl = "urn:uuid:1", Resource = new Patient { Name = [new HumanName { Family = "" }] } }],
        };

        var check = () => AssertRoundTrip(bundle);

        check.Should().Throw<Xunit.Sdk.XunitException>().WithMessage("*strict parse refused*name[0].family*");
    }

    /// <summary>
    /// The Bundle a validated CSV row becomes (as the importer builds it, its patient known by the row's NAM, else
    /// MRN) round-trips. Built from a copy: the builder ties the row's resource to its patient entry.
    /// </summary>
    internal static void AssertRoundTrip(DsnGateway.Mapping.Csv.CsvRecord record, DsnGateway.Mapping.Csv.CsvLayout layout)
    {
        var copy = record with { Resource = (Resource)record.Resource.DeepCopy() };
        var identity = record.Patient.Nam is { } nam
            ? new DsnGateway.Mapping.Patients.PatientIdentity(DsnGateway.Mapping.Patients.PatientIdentityKind.Nam, DsnGateway.Mapping.Identity.QuebecHealthNumber.System, nam)
            : new DsnGateway.Mapping.Patients.PatientIdentity(DsnGateway.Mapping.Patients.PatientIdentityKind.Mrn, layout.Establishment.MrnSystem, record.Patient.Mrn!);
        var source = new DsnGateway.Mapping.Csv.CsvSource(layout.Establishment, layout.Kind, "round-trip.csv", Received);
        var mapper = new DsnGateway.Mapping.Csv.CsvRowMapper(layout, DsnGateway.Mapping.Codes.CodeMap.Empty);
        AssertRoundTrip(DsnGateway.Mapping.Csv.CsvBundleBuilder.Build(copy, source, identity, mapper.IdentityIdentifiers(record.Patient)));
    }

    /// <summary>Serialized, parsed strictly and serialized again, the resource reads the same.</summary>
    internal static void AssertRoundTrip(Resource resource)
    {
        var first = FhirJson.SerializeToUtf8Bytes(resource);
        Resource parsed;
        try
        {
            parsed = FhirJson.Parse(first);
        }
        catch (FhirParseException ex)
        {
            throw new Xunit.Sdk.XunitException(
                $"Firely's strict parse refused the mapped {resource.TypeName}: {string.Join("; ", ex.Issues.Select(i => $"{i.ElementPath}: {i.Message}"))}");
        }
        parsed.Should().BeOfType(resource.GetType());
        System.Text.Encoding.UTF8.GetString(FhirJson.SerializeToUtf8Bytes(parsed))
            .Should().Be(System.Text.Encoding.UTF8.GetString(first), "what is read back is what was written");
    }
}
