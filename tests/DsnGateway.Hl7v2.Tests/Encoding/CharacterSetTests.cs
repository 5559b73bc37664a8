using DsnGateway.Hl7v2.Encoding;
using DsnGateway.Hl7v2.Parsing;
using DsnGateway.Hl7v2.Segments;
using Text = System.Text;

namespace DsnGateway.Hl7v2.Tests.Encoding;

public class CharacterSetTests
{
    private static byte[] Message(string msh18, byte[] name) =>
    [
        .. Text.Encoding.ASCII.GetBytes($"MSH|^~\\&|ADT_NIM|NIM|DSN|DSN|20260101||ADT^A01|C1|P|2.5.1|||||CAN|{msh18}\rPID|1||1^^^NIM^MR||"),
        .. name,
        .. "^Marie\r"u8.ToArray(),
    ];

    // "Côté" in ISO-8859-1: ô = F4, é = E9.
    private static readonly byte[] CoteLatin1 = [0x43, 0xF4, 0x74, 0xE9];

    [Fact]
    public void Latin1_names_decode_intact()
    {
        var result = Hl7Parser.Parse(Message("8859/1", CoteLatin1));
        result.Error.Should().BeNull();
        result.Message!.Pid()!.Names[0].FamilyName.Should().Be("Côté");
        Hl7Parser.Parse(Message("8859/1", Text.Encoding.Latin1.GetBytes("Bélanger"))).Message!.Get("PID-5.1").Should().Be("Bélanger");
    }

    [Fact]
    public void Latin1_bytes_declared_as_utf8_are_invalid_bytes_with_an_envelope()
    {
        var result = Hl7Parser.Parse(Message("UNICODE UTF-8", CoteLatin1));
        result.Error!.Kind.Should().Be(Hl7ParseErrorKind.InvalidBytes);
        result.Error.Code.Should().Be(102);
        result.Error.SuggestedAck.Should().Be(AckCode.AE);
        result.Error.Message.Should().Contain("UNICODE UTF-8").And.Contain("0xF4");
        result.Envelope!.ControlId.Should().Be("C1");
    }

    [Fact]
    public void Empty_msh18_uses_the_sender_default()
    {
        Hl7Parser.Parse(Message("", Text.Encoding.UTF8.GetBytes("Côté"))).Message!.Get("PID-5.1").Should().Be("Côté");
        Hl7Parser.Parse(Message("", CoteLatin1)).Error!.Kind.Should().Be(Hl7ParseErrorKind.InvalidBytes);
        var latin1Sender = new Hl7ParserOptions { DefaultCharacterSet = Text.Encoding.Latin1 };
        Hl7Parser.Parse(Message("", CoteLatin1), latin1Sender).Message!.Get("PID-5.1").Should().Be("Côté");
    }

    [Fact]
    public void Utf8_declared_decodes_accents()
    {
        var m = Hl7Parser.Parse(Message("UNICODE UTF-8", Text.Encoding.UTF8.GetBytes("Bélanger-Côté"))).Message!;
        m.Get("PID-5.1").Should().Be("Bélanger-Côté");
        m.CharacterSet.WebName.Should().Be("utf-8");
    }

    [Fact]
    public void Ascii_refuses_bytes_over_7f()
    {
        Hl7Parser.Parse(Message("ASCII", "Cote"u8.ToArray())).IsSuccess.Should().BeTrue();
        var result = Hl7Parser.Parse(Message("ASCII", CoteLatin1));
        result.Error!.Kind.Should().Be(Hl7ParseErrorKind.InvalidBytes);
        result.Error.Message.Should().Contain("ASCII");
    }

    [Fact]
    public void Unknown_set_is_an_unknown_character_set_error()
    {
        var result = Hl7Parser.Parse(Message("FOO", "Cote"u8.ToArray()));
        result.Error!.Kind.Should().Be(Hl7ParseErrorKind.UnknownCharacterSet);
        result.Error.Code.Should().Be(102);
        result.Error.SuggestedAck.Should().Be(AckCode.AR);
        result.Error.Message.Should().Contain("FOO");
        result.Error.Location!.Field.Should().Be(18);
        result.Envelope!.ControlId.Should().Be("C1");
    }

    [Fact]
    public void Latin9_has_the_euro_and_the_eight_differing_letters()
    {
        var bytes = new byte[] { 0xA4, 0xA6, 0xA8, 0xB4, 0xB8, 0xBC, 0xBD, 0xBE, 0xE9 };
        Hl7Parser.Parse(Message("8859/15", bytes)).Message!.Get("PID-5.1").Should().Be("€ŠšŽžŒœŸé");
        // The hand-written fallback table agrees with the runtime's code page.
        Iso885915.Instance.GetString(bytes).Should().Be("€ŠšŽžŒœŸé");
        Iso885915.Instance.GetBytes("€ŠšŽžŒœŸé").Should().Equal(bytes);
        FluentActions.Invoking(() => Iso885915.Instance.GetBytes("¤")).Should().Throw<ArgumentException>();
    }

    [Theory]
    [InlineData("ASCII", true)]
    [InlineData("8859/1", true)]
    [InlineData("8859/15", true)]
    [InlineData("unicode utf-8", true)]
    [InlineData("ISO IR100", true)]
    [InlineData("", true)]
    [InlineData("UNICODE UTF-16", false)]
    [InlineData("UTF8", false)]
    [InlineData("FOO", false)]
    public void Known_names(string name, bool known) => Hl7CharacterSets.IsKnown(name).Should().Be(known);

    [Fact]
    public void Msh18_is_read_from_raw_bytes_first_repetition_first_component()
    {
        Hl7CharacterSets.ReadMsh18("MSH|^~\\&||||||||||||||||8859/1~UNICODE UTF-8|x\r"u8).Should().Be("8859/1");
        Hl7CharacterSets.ReadMsh18("MSH|^~\\&|A|B\r"u8).Should().Be("");
        Hl7CharacterSets.ReadMsh18("PID|1"u8).Should().BeNull();
        Hl7CharacterSets.ReadMsh18("\uFEFFMSH#$%*!################ASCII\r"u8).Should().Be("ASCII");
    }
}
