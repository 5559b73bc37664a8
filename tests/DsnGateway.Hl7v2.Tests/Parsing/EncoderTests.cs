using DsnGateway.Hl7v2.Parsing;

namespace DsnGateway.Hl7v2.Tests.Parsing;

public class EncoderTests
{
    public static TheoryData<string> Values => new()
    {
        "plain",
        "pipe | caret ^ tilde ~ backslash \\ amp &",
        @"\F\ looks like an escape",
        "line1\nline2\r\nline3\rline4",
        "Côté, Bélanger & fils",
        "",
        "\\\\\\",
        "trunc # char",
    };

    [Theory]
    [MemberData(nameof(Values))]
    public void Every_value_round_trips_through_encoder_and_parser(string value)
    {
        foreach (var d in new[] { Hl7Delimiters.Default, new Hl7Delimiters('#', '$', '%', '*', '!'), new Hl7Delimiters('|', '^', '~', '\\', '&', '#') })
        {
            var er7 = Hl7Encoder.Encode(
            [
                new Hl7SegmentBuilder("MSH").Set(3, "APP").Set(9, 1, "ADT").Set(9, 2, "A01").Set(10, "1").Set(12, "2.5"),
                new Hl7SegmentBuilder("NTE").Set(3, value).Set(4, 2, 3, 2, value).Set("5[3].2", value),
            ], d);
            var m = ParsingTests.Parse(er7);
            var expected = value;
            m.Get("NTE-3").Should().Be(expected);
            m.Get("NTE-4[2].3.2").Should().Be(expected);
            m.Get("NTE-5[3].2").Should().Be(expected);
            m.Get("MSH-9.2").Should().Be("A01");
            m.Delimiters.Should().Be(d);
        }
    }

    [Fact]
    public void Builder_writes_the_expected_er7()
    {
        var er7 = Hl7Encoder.Encode(
        [
            new Hl7SegmentBuilder("MSH").Set(3, "A").Set(9, 1, "ACK"),
            new Hl7SegmentBuilder("PID").Set(3, 1, 1, 1, "1").Set(3, 1, 4, 1, "NIM").Set(3, 2, 1, 1, "2").Set(5, 1, 1, 2, "x"),
        ]);
        er7.Should().Be("MSH|^~\\&|A||||||ACK\rPID|||1^^^NIM~2||&x\r");
    }

    [Fact]
    public void Builder_refuses_delimiter_fields_and_absurd_positions()
    {
        var msh = new Hl7SegmentBuilder("MSH");
        FluentActions.Invoking(() => msh.Set(2, "x")).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => msh.Set(100_000, "x")).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => new Hl7SegmentBuilder("TOOLONG")).Should().Throw<ArgumentException>();
    }
}
