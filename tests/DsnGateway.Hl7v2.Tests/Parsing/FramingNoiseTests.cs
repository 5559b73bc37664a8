using DsnGateway.Hl7v2.Parsing;

namespace DsnGateway.Hl7v2.Tests.Parsing;

/// <summary>The one definition of a message's framing noise, which the resend check compares without.</summary>
public class FramingNoiseTests
{
    private const string Message = "MSH|^~\\&|ADT_NIM|NIM|DSN|DSN|1||ADT^A08|M1|P|2.5.1\rPID|1||1^^^NIM^MR||Côté^Zoé";

    [Theory]
    [InlineData("MSH|^~\\&|ADT_NIM|NIM|DSN|DSN|1||ADT^A08|M1|P|2.5.1\rPID|1||1^^^NIM^MR||Côté^Zoé\r")]
    [InlineData("MSH|^~\\&|ADT_NIM|NIM|DSN|DSN|1||ADT^A08|M1|P|2.5.1\rPID|1||1^^^NIM^MR||Côté^Zoé")]
    [InlineData("MSH|^~\\&|ADT_NIM|NIM|DSN|DSN|1||ADT^A08|M1|P|2.5.1\nPID|1||1^^^NIM^MR||Côté^Zoé\n")]
    [InlineData("MSH|^~\\&|ADT_NIM|NIM|DSN|DSN|1||ADT^A08|M1|P|2.5.1\r\nPID|1||1^^^NIM^MR||Côté^Zoé\r\n\r\n")]
    [InlineData("\uFEFFMSH|^~\\&|ADT_NIM|NIM|DSN|DSN|1||ADT^A08|M1|P|2.5.1\rPID|1||1^^^NIM^MR||Côté^Zoé\r")]
    public void Bom_line_ends_and_trailing_terminators_are_noise(string sent)
    {
        Hl7FramingNoise.Normalize(System.Text.Encoding.UTF8.GetBytes(sent)).Should().Equal(System.Text.Encoding.UTF8.GetBytes(Message));
    }

    [Theory]
    [InlineData("MSH|^~\\&|ADT_NIM|NIM|DSN|DSN|1||ADT^A08|M1|P|2.5.1\rPID|1||1^^^NIM^MR||Côté^Zoe\r")]
    [InlineData("MSH|^~\\&|ADT_NIM|NIM|DSN|DSN|1||ADT^A08|M1|P|2.5.1\r\rPID|1||1^^^NIM^MR||Côté^Zoé\r")]
    [InlineData("MSH|^~\\&|ADT_NIM|NIM|DSN|DSN|1||ADT^A08|M1|P|2.5.1\rPID|1||1^^^NIM^MR||Côté^Zoé \r")]
    public void Anything_else_is_the_message(string sent)
    {
        Hl7FramingNoise.Normalize(System.Text.Encoding.UTF8.GetBytes(sent)).Should().NotEqual(System.Text.Encoding.UTF8.GetBytes(Message));
    }

    [Fact]
    public void Only_a_leading_bom_is_skipped()
    {
        Hl7FramingNoise.SkipByteOrderMark([0xEF, 0xBB, 0xBF, (byte)'M']).ToArray().Should().Equal((byte)'M');
        Hl7FramingNoise.SkipByteOrderMark([(byte)'M', 0xEF, 0xBB, 0xBF]).ToArray().Should().Equal((byte)'M', 0xEF, 0xBB, 0xBF);
    }
}
