using DsnGateway.Hl7v2.Segments;
using DsnGateway.Hl7v2.Tests.Parsing;

namespace DsnGateway.Hl7v2.Tests.Types;

public class DataTypeTests
{
    [Fact]
    public void Quebec_style_pid_reads_nam_mrn_names_and_telecom()
    {
        var m = ParsingTests.Parse(
            "MSH|^~\\&|ADT_NIM|NIM|DSN|DSN|20260101||ADT^A04|1|P|2.5.1\r" +
            "PID|1|TREM85561512^^^RAMQ^NAM|00123^^^NIM^MR~TREM85561512^^^RAMQ^JHN||Tremblay^Marie^Claire^Jr^Mme^^L||19850615|F|||12 rue Côté^app. 3^Québec^QC^G1R 2B5^CA^H||^PRN^PH^^1^418^5551234^22~^NET^Internet^marie@example.ca|^WPN^PH^^1^514^5559876|fr^Français^ISO639|M\r" +
            "PV1|1|E|URG^12^1^NIM||||||||||||||||V123^^^NIM^VN\r");
        var pid = m.Pid()!;
        pid.PatientId.Id.Should().Be("TREM85561512");
        pid.PatientId.IdentifierTypeCode.Should().Be("NAM");
        pid.Identifiers.Select(i => (i.Id, i.AssigningAuthority.NamespaceId, i.IdentifierTypeCode))
            .Should().Equal(("00123", "NIM", "MR"), ("TREM85561512", "RAMQ", "JHN"));
        pid.Names.Single().Should().Be(new DsnGateway.Hl7v2.Types.Xpn("Tremblay", "Marie", "Claire", "Jr", "Mme", "", "L"));
        pid.Addresses[0].City.Should().Be("Québec");
        pid.Addresses[0].OtherDesignation.Should().Be("app. 3");
        pid.HomePhones[0].AreaCode.Should().Be("418");
        pid.HomePhones[0].LocalNumber.Should().Be("5551234");
        pid.HomePhones[0].Extension.Should().Be("22");
        pid.HomePhones[1].EmailAddress.Should().Be("marie@example.ca");
        pid.BusinessPhones[0].UseCode.Should().Be("WPN");
        pid.PrimaryLanguage.Identifier.Should().Be("fr");
        pid.PrimaryLanguage.Text.Should().Be("Français");
        pid.MaritalStatus.Identifier.Should().Be("M");
        var pv1 = m.Pv1()!;
        pv1.PatientClass.Should().Be("E");
        pv1.AssignedLocation.Facility.NamespaceId.Should().Be("NIM");
        pv1.VisitNumber.Id.Should().Be("V123");
    }

    [Fact]
    public void Segment_views_refuse_the_wrong_segment()
    {
        var m = ParsingTests.Parse("MSH|^~\\&|A|B|C|D|1||ADT^A01|1|P|2.5\rPID|1\r");
        FluentActions.Invoking(() => new Pv1(m.GetSegment("PID")!)).Should().Throw<ArgumentException>();
        m.Pv1().Should().BeNull();
        m.Orcs().Should().BeEmpty();
    }
}
