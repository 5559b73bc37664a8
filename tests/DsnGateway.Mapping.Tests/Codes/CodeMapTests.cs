using DsnGateway.Mapping.Codes;
using DsnGateway.Mapping.Establishments;

namespace DsnGateway.Mapping.Tests.Codes;

public class CodeMapTests
{
    private static readonly SenderRegistry Senders = QuebecFixtures.DefaultSenders();
    private static Establishment Nim => Senders.Establishments.ByCode("NIM")!;
    private static Establishment Mcq => Senders.Establishments.ByCode("MCQ")!;

    private static CodeMap RepositoryMap() =>
        CodeMapConfiguration.Load(Path.Combine(Path.GetDirectoryName(QuebecFixtures.ConfigPath)!, CodeMapConfiguration.FileName), Senders.Establishments);

    [Fact]
    public void A_mapped_local_drug_code_gets_its_din_first_and_keeps_the_local_coding()
    {
        var translation = RepositoryMap().Translate(Nim, CodeKind.Drug, new LocalCode("ACET500", "Tylenol 500", "PHARMNIM"));

        translation.Unmapped.Should().BeNull();
        translation.Concept.Coding!.Select(c => (c.System, c.Code)).Should().Equal(
            (CodeSystems.Din, "02229873"),
            ("urn:dsn:code:nim:pharmnim", "ACET500"));
        translation.Concept.Coding![0].Display.Should().Be("Acétaminophène 500 mg comprimé");
        translation.Concept.Text.Should().Be("Tylenol 500", "the sender's own words are what the clinician saw");
    }

    [Fact]
    public void An_unmapped_local_code_is_kept_under_its_local_system_and_reported()
    {
        var translation = RepositoryMap().Translate(Mcq, CodeKind.Drug, new LocalCode("99999", "Sirop maison", "PHARMCQ"));

        translation.Concept.Coding!.Should().ContainSingle().Which.System.Should().Be("urn:dsn:code:mcq:pharmcq");
        translation.Unmapped.Should().Be(new UnmappedCode("MCQ", CodeKind.Drug, "urn:dsn:code:mcq:pharmcq", "99999", "Sirop maison"));
    }

    [Fact]
    public void An_entry_naming_a_local_system_does_not_map_the_same_code_under_another_system()
    {
        var map = RepositoryMap();

        map.Translate(Mcq, CodeKind.Drug, new LocalCode("12001", null, "PHARMCQ")).Unmapped.Should().BeNull();
        map.Translate(Mcq, CodeKind.Drug, new LocalCode("12001", null, "LABMCQ")).Unmapped.Should().NotBeNull();
    }

    [Theory]
    [InlineData("DIN", CodeKind.Drug, CodeSystems.Din)]
    [InlineData("din", CodeKind.Drug, CodeSystems.Din)]
    [InlineData("CCI", CodeKind.Procedure, CodeSystems.Cci)]
    public void A_code_already_in_a_national_system_is_taken_as_is_and_never_unmapped(string system, CodeKind kind, string expected)
    {
        var translation = CodeMap.Empty.Translate(Nim, kind, new LocalCode("02229873", "x", system));

        translation.Unmapped.Should().BeNull();
        translation.Concept.Coding!.Should().ContainSingle().Which.System.Should().Be(expected);
    }

    [Fact]
    public void A_code_without_a_coding_system_lives_in_the_establishment_local_namespace()
    {
        CodeSystems.For(Nim, null).Should().Be("urn:dsn:code:nim:local");
        CodeSystems.For(Nim, " Pharm NIM ").Should().Be("urn:dsn:code:nim:pharm%20nim");
    }

    [Fact]
    public void A_procedure_map_gives_cci()
    {
        var translation = RepositoryMap().Translate(Nim, CodeKind.Procedure, new LocalCode("APPLAP", "Appendicectomie lap.", "BLOCNIM"));

        translation.Concept.Coding![0].Should().BeEquivalentTo(new { System = CodeSystems.Cci, Code = "1.NT.89.DA" });
    }

    [Fact]
    public void Maps_says_whether_a_stored_unmapped_code_has_been_mapped_since()
    {
        var map = RepositoryMap();

        map.Maps(Nim, CodeKind.Drug, "urn:dsn:code:nim:pharmnim", "ACET500").Should().BeTrue();
        map.Maps(Mcq, CodeKind.Drug, "urn:dsn:code:mcq:labmcq", "12001").Should().BeFalse();
        map.Maps(Nim, CodeKind.Drug, "urn:dsn:code:nim:pharmnim", "NOPE").Should().BeFalse();
    }

    [Theory]
    [InlineData("{ \"XYZ\": { \"drugs\": [] } }", "'XYZ' is not in the sender registry")]
    [InlineData("{ \"NIM\": { \"drugz\": [] } }", "unknown section 'drugz'")]
    [InlineData("{ \"NIM\": { \"drugs\": [ { \"din\": \"02229873\" } ] } }", "has no \"code\"")]
    [InlineData("{ \"NIM\": { \"drugs\": [ { \"code\": \"A\", \"din\": \"123\" } ] } }", "is not 8 digits")]
    [InlineData("{ \"NIM\": { \"procedures\": [ { \"code\": \"A\" } ] } }", "has no \"cci\"")]
    [InlineData("{ \"NIM\": { \"procedures\": [ { \"code\": \"A\", \"cci\": \"1.NT  89.DA\" } ] } }", "CCI '1.NT  89.DA' is not a valid FHIR code")]
    [InlineData("{ \"NIM\": { \"drugs\": [ { \"code\": \"A\", \"din\": \"12345678\" }, { \"code\": \"A\", \"din\": \"87654321\" } ] } }", "mapped twice")]
    [InlineData("{ not json", "not valid JSON")]
    public void A_wrong_code_map_file_is_refused_with_what_to_fix(string json, string problem)
    {
        var act = () => CodeMapConfiguration.Parse(json, Senders.Establishments);

        act.Should().Throw<CodeMapConfigurationException>().WithMessage($"*{problem}*");
    }

    [Fact]
    public void A_missing_code_map_file_is_an_empty_map()
    {
        CodeMapConfiguration.Load(Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N") + ".json"), Senders.Establishments)
            .Entries.Should().BeEmpty();
    }
}
