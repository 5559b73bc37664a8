using DsnGateway.Hl7v2.Parsing;

namespace DsnGateway.Hl7v2.Tests.Parsing;

public class EscapeTests
{
    private static string Decode(string raw, Hl7Delimiters? d = null, System.Text.Encoding? charset = null) =>
        new Hl7Escapes(d ?? Hl7Delimiters.Default, charset).Decode(raw);

    [Theory]
    [InlineData(@"a\F\b", "a|b")]
    [InlineData(@"a\S\b", "a^b")]
    [InlineData(@"a\T\b", "a&b")]
    [InlineData(@"a\R\b", "a~b")]
    [InlineData(@"a\E\b", @"a\b")]
    [InlineData(@"line1\.br\line2", "line1\nline2")]
    [InlineData(@"a\.sp\b", "a\nb")]
    [InlineData(@"a\.sp 2\b", "a\n\nb")]
    [InlineData(@"a\.sk 3\b", "a   b")]
    [InlineData(@"\H\bold\N\ text", "bold text")]
    [InlineData(@"\.in +4\indented", "indented")]
    [InlineData(@"\.ti -2\x\.fi\\.nf\y", "xy")]
    [InlineData(@"\.ce\title", "\ntitle")]
    [InlineData(@"caf\XC3A9\", "café")]
    [InlineData(@"\X41\\X4243\", "ABC")]
    [InlineData(@"\C2842\x", "x")]
    [InlineData(@"\M2442\x", "x")]
    public void Known_escapes_decode(string raw, string expected) => Decode(raw).Should().Be(expected);

    [Theory]
    [InlineData(@"a\Zlocal\b")]
    [InlineData(@"a\Q\b")]
    [InlineData(@"unterminated\F")]
    [InlineData(@"trailing\")]
    [InlineData(@"\X4\odd")]
    [InlineData(@"\XZZ\notHex")]
    [InlineData(@"\\")]
    [InlineData(@"\.xx\")]
    [InlineData(@"\.sp abc\")]
    [InlineData(@"\P\no truncation declared")]
    public void Unknown_or_unterminated_escapes_stay_literal(string raw) => Decode(raw).Should().Be(raw);

    [Fact]
    public void Hex_escape_is_decoded_in_the_message_charset()
    {
        Decode(@"C\XF4\t\XE9\", charset: System.Text.Encoding.Latin1).Should().Be("Côté");
        // E9 alone is not UTF-8: kept as sent rather than turned into a replacement character.
        Decode(@"\XE9\").Should().Be(@"\XE9\");
    }

    [Fact]
    public void Formatting_repeats_are_bounded()
    {
        Decode(@"\.sp 999999999\").Length.Should().BeLessThanOrEqualTo(100);
    }

    [Fact]
    public void Escapes_follow_custom_delimiters()
    {
        var d = new Hl7Delimiters('#', '$', '%', '*', '!');
        Decode("a*F*b*S*c*T*d*R*e*E*f", d).Should().Be("a#b$c!d%e*f");
        new Hl7Escapes(d).Encode("a#b$c!d%e*f|^&~\\").Should().Be("a*F*b*S*c*T*d*R*e*E*f|^&~\\");
    }

    [Fact]
    public void Message_level_escape_decoding_in_sample()
    {
        var m = ParsingTests.Parse(File.ReadAllText(SharedData.Path("hl7v2", "fhir-converter", "samples", "ADT-A01-01.hl7")));
        m.Get("PV1-14").Should().Be("NHS Provider-General (inc.A&E-this Hosp)");
    }

    [Fact]
    public void Uuencoded_escape_heavy_file_decodes_without_loss_of_structure()
    {
        var text = File.ReadAllText(SharedData.Path("hl7v2", "misc", "uuencoded_escaped.txt"));
        var escapes = new Hl7Escapes(Hl7Delimiters.Default);
        var decoded = escapes.Decode(text);
        decoded.Should().NotContain(@"\T\").And.NotContain(@"\S\").And.NotContain(@"\E\");
        escapes.Decode(escapes.Encode(decoded)).Should().Be(decoded);
    }
}
