using DsnGateway.Mapping.Establishments;

namespace DsnGateway.Mapping.Tests.Establishments;

public class SenderConfigurationTests
{
    [Fact]
    public void The_default_configuration_registers_NIM_and_MCQ_with_their_three_applications()
    {
        var senders = QuebecFixtures.DefaultSenders();

        senders.Establishments.All.Select(e => e.Code).Should().BeEquivalentTo("NIM", "MCQ");
        var nim = senders.Establishments.ByCode("nim")!;
        nim.Name.Should().Be("CIUSSS du Nord-de-l'Île-de-Montréal");
        nim.Facility.Should().Be("NIM");
        nim.TimeZone.Should().Be("America/Toronto");
        nim.MrnSystem.Should().Be("urn:dsn:mrn:nim");
        senders.Establishments.ByFacility("MCQ")!.MrnSystem.Should().Be("urn:dsn:mrn:mcq");
        senders.Establishments.ByCode("MCQ")!.Name.Should().Be("CIUSSS de la Mauricie-et-du-Centre-du-Québec");

        foreach (var (est, apps) in new[] { ("NIM", new[] { "ADT_NIM", "PHARM_NIM", "BLOC_NIM" }), ("MCQ", new[] { "ADT_MCQ", "PHARM_MCQ", "BLOC_MCQ" }) })
            foreach (var app in apps)
            {
                var sender = senders.Find(app, est);
                sender.Should().NotBeNull($"{app}/{est} is a default sender");
                sender!.Establishment.Code.Should().Be(est);
                sender.Allows("ADT", "A08").Should().BeTrue("by default a sender may send every supported type");
            }
        senders.Find("ADT_NIM", "MCQ").Should().BeNull("a sender is the pair (MSH-3, MSH-4)");
        senders.Find("ADT_XYZ", "NIM").Should().BeNull();
    }

    [Fact]
    public void Message_types_narrow_a_sender_and_defaults_fill_facility_and_zone()
    {
        var senders = SenderConfiguration.Parse("""
            { "establishments": [ { "code": "TST", "name": "Test", "defaultCharacterSet": "8859/1",
                "senders": [ { "application": "PHARM", "messageTypes": ["RDE", "OMP^O09"] } ] } ] }
            """);

        var tst = senders.Establishments.ByCode("TST")!;
        tst.Facility.Should().Be("TST");
        tst.Name.Should().Be("Test");
        SenderConfiguration.Parse("""{ "establishments": [ { "code": "TST", "name": " " } ] }""").Establishments.ByCode("TST")!.Name
            .Should().Be("TST", "a blank name would be an empty display in every Provenance: the code stands in");
        tst.TimeZone.Should().Be("America/Toronto");
        tst.DefaultEncoding!.WebName.Should().Be("iso-8859-1");
        var pharm = senders.Find("pharm", "tst")!;
        pharm.Allows("RDE", "O11").Should().BeTrue();
        pharm.Allows("OMP", "O09").Should().BeTrue();
        pharm.Allows("ADT", "A01").Should().BeFalse();
    }

    [Theory]
    [InlineData("{", "not valid JSON")]
    [InlineData("""{ "establishments": [] }""", "no establishments")]
    [InlineData("""{ "establishments": [ { "name": "x" } ] }""", "no code")]
    [InlineData("""{ "establishments": [ { "code": "A", "timeZone": "Mars/Olympus" } ] }""", "unknown time zone")]
    [InlineData("""{ "establishments": [ { "code": "A", "defaultCharacterSet": "EBCDIC" } ] }""", "unknown default character set")]
    [InlineData("""{ "establishments": [ { "code": "A" }, { "code": "a", "facility": "B" } ] }""", "registered twice")]
    [InlineData("""{ "establishments": [ { "code": "A", "senders": [ { "application": "X" }, { "application": "x" } ] } ] }""", "registered twice")]
    [InlineData("""{ "establishments": [ { "code": "A", "senders": [ { } ] } ] }""", "no application")]
    public void A_wrong_configuration_is_refused_with_what_to_fix(string json, string reason)
    {
        var act = () => SenderConfiguration.Parse(json);

        act.Should().Throw<SenderConfigurationException>().WithMessage($"*{reason}*");
    }
}
