using DsnGateway.Hl7v2.Acknowledgements;
using DsnGateway.Hl7v2.Parsing;
using DsnGateway.Hl7v2.Tests.Parsing;

namespace DsnGateway.Hl7v2.Tests.Acknowledgements;

public class AckBuilderTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 15, 8, 30, 5, TimeSpan.FromHours(-5));
    private const string Received = "MSH|^~\\&|ADT_NIM|NIM^1.2.3^ISO|DSN|DSN_FAC|20260115083000||ADT^A01^ADT_A01|MSG-42|P|2.5.1|||||CAN|8859/1\rPID|1\r";

    [Fact]
    public void Accept_swaps_sender_and_receiver_and_echoes_the_control_id()
    {
        var ack = ParsingTests.Parse(AckBuilder.Accept(ParsingTests.Parse(Received).Msh, "ACK-1", Now));
        ack.Get("MSH-3").Should().Be("DSN");
        ack.Get("MSH-4").Should().Be("DSN_FAC");
        ack.Get("MSH-5").Should().Be("ADT_NIM");
        ack.Get("MSH-6.2").Should().Be("1.2.3");
        ack.Get("MSH-7").Should().Be("20260115083005-0500");
        ack.Get("MSH-9").Should().Be("ACK");
        ack.Get("MSH-9.2").Should().Be("A01");
        ack.Get("MSH-9.3").Should().Be("ACK");
        ack.Get("MSH-10").Should().Be("ACK-1");
        ack.Get("MSH-11").Should().Be("P");
        ack.Get("MSH-12").Should().Be("2.5.1");
        ack.Get("MSH-18").Should().Be("8859/1");
        ack.Get("MSA-1").Should().Be("AA");
        ack.Get("MSA-2").Should().Be("MSG-42");
        ack.HasSegment("ERR").Should().BeFalse();
    }

    [Fact]
    public void Error_ack_carries_err_with_code_location_severity_and_escaped_text()
    {
        var text = AckBuilder.Build(ParsingTests.Parse(Received).Msh, AckCode.AE, "ACK-2", Now,
            [new AckError(101, "PID-3 is missing | no identifier ^ at all", new Hl7ErrorLocation("PID", 1, 3))]);
        var ack = ParsingTests.Parse(text);
        ack.Get("MSA-1").Should().Be("AE");
        ack.Get("ERR-2.1").Should().Be("PID");
        ack.Get("ERR-2.2").Should().Be("1");
        ack.Get("ERR-2.3").Should().Be("3");
        ack.Get("ERR-3.1").Should().Be("101");
        ack.Get("ERR-3.2").Should().Be("Required field missing");
        ack.Get("ERR-3.3").Should().Be("HL70357");
        ack.Get("ERR-4").Should().Be("E");
        ack.Get("ERR-8").Should().Be("PID-3 is missing | no identifier ^ at all");
        text.Should().Contain("\\F\\").And.Contain("\\S\\");
        ack.Get("ERR-1").Should().BeEmpty("ERR-1 is only written for versions before 2.5");
    }

    [Fact]
    public void Old_versions_also_get_err1_and_msa3()
    {
        var received = ParsingTests.Parse(Received.Replace("|2.5.1|", "|2.3|")).Msh;
        var ack = ParsingTests.Parse(AckBuilder.Build(received, AckCode.AR, "A3", Now, [new AckError(204, "Unknown sender ADT_XYZ/NIM", new Hl7ErrorLocation("MSH", 1, 3))]));
        ack.Get("MSH-12").Should().Be("2.3");
        ack.Get("MSA-3").Should().Be("Unknown sender ADT_XYZ/NIM");
        ack.Get("ERR-1.1").Should().Be("MSH");
        ack.Get("ERR-1.4.1").Should().Be("204");
        ack.Get("ERR-1.4.3").Should().Be("HL70357");
        ack.Get("ERR-3.1").Should().Be("204");
    }

    [Fact]
    public void Ack_uses_the_received_delimiters()
    {
        var received = ParsingTests.Parse("MSH#$%*!#APP#FAC#GW#GWF#20260101##ADT$A04#X1#P#2.5\r").Msh;
        var text = AckBuilder.Build(received, AckCode.AE, "A4", Now, [new AckError(102, "bad # value", new Hl7ErrorLocation("PID", 1, 7))]);
        text.Should().StartWith("MSH#$%*!#GW#GWF#APP#FAC#");
        var ack = ParsingTests.Parse(text);
        ack.Get("MSA-2").Should().Be("X1");
        ack.Get("ERR-8").Should().Be("bad # value");
    }

    [Fact]
    public void Parse_failures_get_an_ack_from_whatever_msh_was_readable()
    {
        var unknown = Hl7Parser.Parse(Received.Replace("8859/1", "FOO"));
        var ack = ParsingTests.Parse(AckBuilder.ForParseFailure(unknown, "A5", Now));
        ack.Get("MSA-1").Should().Be("AR");
        ack.Get("MSA-2").Should().Be("MSG-42");
        ack.Get("ERR-3.1").Should().Be("102");
        ack.Get("ERR-2.3").Should().Be("18");
        ack.Get("MSH-18").Should().BeEmpty();

        var garbage = Hl7Parser.Parse("this is not HL7");
        var minimal = ParsingTests.Parse(AckBuilder.ForParseFailure(garbage, "A6", Now, new AckIdentity("GW", "DSN")));
        minimal.Get("MSH-3").Should().Be("GW");
        minimal.Get("MSH-4").Should().Be("DSN");
        minimal.Get("MSH-12").Should().Be("2.5.1");
        minimal.Get("MSA-1").Should().Be("AR");
        minimal.Get("MSA-2").Should().BeEmpty();
        minimal.Get("ERR-3.1").Should().Be("100");
        minimal.Get("ERR-8").Should().Contain("MSH");
    }
}
