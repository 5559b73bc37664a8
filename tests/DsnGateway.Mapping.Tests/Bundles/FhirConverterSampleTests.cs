using System.Text.Json;
using DsnGateway.Fhir.Model;
using Hl7.Fhir.Model;
using DsnGateway.Fhir.Primitives;
using DsnGateway.Hl7v2.Parsing;
using DsnGateway.Hl7v2.Segments;
using DsnGateway.Mapping.Bundles;
using DsnGateway.Mapping.Establishments;
using DsnGateway.Mapping.Patients;
using Hl7.Fhir.Utility;

namespace DsnGateway.Mapping.Tests.Bundles;

/// <summary>
/// The FHIR-Converter ADT samples (shared/hl7v2/fhir-converter), mapped with a test registry that onboards their
/// senders the way an integration team would, compared with the converter's output by FACTS, not bytes: that
/// output is one reading of the mapping, and it also pulls names, identifiers and addresses from NK1, GT1, IN1,
/// PD1... So every fact we emit must appear in it (names, given names, identifier values, cities and postal
/// codes), and birth date, gender and time of death must agree.
///
/// Samples we cannot compare this way, and why:
/// - ADT-A40-01: a merge; the converter's output has no Patient (MessageHeader, Provenance, Linkage...). Our
///   Bundle (survivor from PID, merged record from MRG-1) is checked below instead.
/// - ADT-A47-01: change of identifier list, not a message we map (201); the expected output has no Patient either.
/// </summary>
public class FhirConverterSampleTests
{
    private static readonly DateTimeOffset Received = new(2024, 1, 1, 12, 0, 0, TimeSpan.Zero);

    // Their senders, onboarded: each establishment's code is the assigning authority of the sample's MRN so that
    // the PID has an identity (test1 for GHH, MR for Redox, BCBS for the A40's clinic).
    private static readonly SenderRegistry Senders = SenderConfiguration.Parse("""
        { "establishments": [
            { "code": "TEST1", "name": "Good Health Hospital", "facility": "GHHSFacility", "senders": [ { "application": "ADTApp" } ] },
            { "code": "MR", "name": "Redox test", "facility": "RDX", "senders": [ { "application": "REDOX" } ] },
            { "code": "BCBS", "name": "Ntierprise Clinic", "facility": "Ntierprise Clinic", "senders": [ { "application": "Ntierprise" } ] }
        ] }
        """);

    public static TheoryData<string> ComparableSamples => new() { "ADT-A01-01", "ADT-A04-01", "ADT-A05-01", "ADT-A08-01", "ADT-A28-01", "ADT-A31-01", "ADT04-28" };

    private static Hl7Message Sample(string name)
    {
        var result = Hl7Parser.Parse(File.ReadAllBytes(SharedData.Path("hl7v2", "fhir-converter", "samples", name + ".hl7")));
        result.IsSuccess.Should().BeTrue(result.Error?.ToString());
        return result.Message!;
    }

    private static JsonElement ExpectedPatient(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(SharedData.Path("hl7v2", "fhir-converter", "expected", name + "-expected.json")));
        return doc.RootElement.GetProperty("entry").EnumerateArray()
            .Select(e => e.GetProperty("resource"))
            .Single(r => r.GetProperty("resourceType").GetString() == "Patient").Clone();
    }

    private static IEnumerable<JsonElement> Array(JsonElement e, string property) =>
        e.TryGetProperty(property, out var a) ? a.EnumerateArray() : [];

    private static string? Str(JsonElement e, string property) => e.TryGetProperty(property, out var v) ? v.GetString() : null;

    [Theory]
    [MemberData(nameof(ComparableSamples))]
    public void Facts_of_the_mapped_Patient_agree_with_the_converter(string name)
    {
        var result = new AdtBundleBuilder(Senders).Build(Sample(name), Received);
        result.IsSuccess.Should().BeTrue(result.Error?.ToString());
        Validation.StrictRoundTripTests.AssertRoundTrip(result.Value!.Bundle);
        var ours = result.Value!.Patient;
        var expected = ExpectedPatient(name);

        ours.BirthDate.Should().Be(Str(expected, "birthDate"));
        ours.Gender?.GetLiteral().Should().Be(Str(expected, "gender"));

        var expectedIds = Array(expected, "identifier").Select(i => Str(i, "value")).ToHashSet();
        ours.Identifier!.Select(i => i.Value).Should().OnlyContain(v => expectedIds.Contains(v), $"every identifier value we keep is one the converter kept: {string.Join(", ", expectedIds)}");

        var expectedNames = Array(expected, "name").Select(n => (Family: Str(n, "family"), Given: Array(n, "given").Select(g => g.GetString()).ToList())).ToList();
        foreach (var n in ours.Name!)
            expectedNames.Should().Contain(e => e.Family == n.Family && n.Given.All(g => e.Given.Contains(g)),
                $"our name {n.Family}, {string.Join(" ", n.Given)} is one of the converter's");

        var expectedPlaces = Array(expected, "address").Select(a => (Str(a, "city")?.Trim(), Str(a, "postalCode"))).ToList();
        foreach (var a in ours.Address)
            expectedPlaces.Should().Contain((a.City, a.PostalCode));

        if (Str(expected, "deceasedDateTime") is { } death)
            PartialDateTime.Parse(ours.DeceasedDateTime!).Start.Should().Be(PartialDateTime.Parse(death).Start, "the same instant, whatever the offset written");
        else
            ours.DeceasedDateTime.Should().BeNull();

        result.Value.Bundle.Entry![0].Request!.Url.Should().StartWith("Patient?identifier=urn:dsn:mrn:");
    }

    [Fact]
    public void The_A01_sample_in_detail()
    {
        var patient = new AdtBundleBuilder(Senders).Build(Sample("ADT-A01-01"), Received).Value!.Patient;

        patient.Identifier!.Select(i => (i.System, i.Value)).Should().Equal(
            ("urn:dsn:mrn:test1", "PATID1234"),
            ("urn:dsn:id:test1:usssa", "123456789"),
            ("urn:dsn:id:test1:test", "1234567"));
        patient.Name[0].ShouldBeExactly(new HumanName
        {
            Family = "EVERYMAN", Given = ["ADAM", "A"], Suffix = ["III", "MD", "PF"], Prefix = ["Dr."], Use = HumanName.NameUse.Usual,
        });
        patient.Name[1].ShouldBeExactly(new HumanName { Family = "Josh", Given = ["stanley"], Use = HumanName.NameUse.Official });
        patient.Address!.Single().Line.Should().Equal("1000 Hospital Lane", "Ste. 123");
        patient.MaritalStatus!.Coding!.Single().Code.Should().Be("M");
        patient.DeceasedDateTime.Should().Be("2008-08-25T11:16:30+01:15");
    }

    [Fact]
    public void A40_maps_its_PID_as_survivor_and_MRG_as_the_merged_record_and_A47_is_201()
    {
        var builder = new AdtBundleBuilder(Senders);
        var merge = builder.Build(Sample("ADT-A40-01"), Received);
        merge.IsSuccess.Should().BeTrue(merge.Error?.ToString());
        merge.Value!.Identity.Key.Should().Be("urn:dsn:mrn:bcbs|12345");
        merge.Value.Merged!.Key.Should().Be("urn:dsn:mrn:bcbs|56789");
        merge.Value.Bundle.Entry![1].Request!.Url.Should().Be("Patient?identifier=urn:dsn:mrn:bcbs|56789");
        builder.Build(Sample("ADT-A47-01"), Received).Error!.Code.Should().Be(201);

        var a40 = Sample("ADT-A40-01");
        var patient = new PidMapper(Senders.Establishments).Map(a40.Pid()!, Senders.Establishments.ByCode("BCBS")!);
        patient.IsSuccess.Should().BeTrue(patient.Error?.ToString());
        patient.Value!.Identifier!.Single().Should().BeEquivalentTo(new { System = "urn:dsn:mrn:bcbs", Value = "12345" }, o => o.ExcludingMissingMembers());
        patient.Value.Name!.Single().Family.Should().Be("Test");
        patient.Value.BirthDate.Should().Be("2018-02-05");
        patient.Value.Gender.Should().Be(AdministrativeGender.Female);
        patient.Value.Address!.Single().City.Should().Be("Raleigh");
    }

    [Fact]
    public void Without_their_senders_in_the_registry_the_samples_are_204()
    {
        new AdtBundleBuilder(QuebecFixtures.DefaultSenders()).Build(Sample("ADT-A01-01"), Received).Error!.Code.Should().Be(204);
    }
}
