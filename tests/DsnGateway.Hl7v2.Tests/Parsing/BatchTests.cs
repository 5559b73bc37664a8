using DsnGateway.Hl7v2.Parsing;
using DsnGateway.Hl7v2.Segments;

namespace DsnGateway.Hl7v2.Tests.Parsing;

public class BatchTests
{
    [Fact]
    public void Fhs_bhs_file_splits_into_its_messages()
    {
        var path = SharedData.Path("hl7v2", "misc", "sample_file_FHS_BHS_batch_ADT_A04.hl7");
        var batch = Hl7Batch.Split(File.ReadAllText(path));
        batch.Messages.Should().ContainSingle();
        batch.EnvelopeSegments.Select(s => s[..3]).Should().Equal("FHS", "BHS", "BTS", "FTS");
        batch.DeclaredMessageCount.Should().Be(1);
        var m = ParsingTests.Parse(batch.Messages[0]);
        m.Msh.TriggerEvent.Should().Be("A04");
        m.Pid()!.Identifiers[0].Id.Should().Be("0000112234");

        var results = Hl7Batch.ParseAll(File.ReadAllBytes(path));
        results.Should().ContainSingle().Which.IsSuccess.Should().BeTrue();
        results[0].Message!.Msh.CharacterSet.Should().Be("ASCII");
    }

    [Fact]
    public void Several_messages_without_envelope_split_too_and_each_is_parsed_alone()
    {
        const string two = "MSH|^~\\&|A|B|C|D|1||ADT^A01|1|P|2.5\nPID|1||X\n\nMSH|^~\\&|A|B|C|D|1||ADT^A08|2|P|2.5||||||FOO\nPID|1||Y\n";
        var batch = Hl7Batch.Split(two);
        batch.Messages.Should().HaveCount(2);
        batch.EnvelopeSegments.Should().BeEmpty();
        var results = Hl7Batch.ParseAll(System.Text.Encoding.ASCII.GetBytes(two));
        results[0].IsSuccess.Should().BeTrue();
        results[1].Error!.Kind.Should().Be(Hl7ParseErrorKind.UnknownCharacterSet);
        results[1].Envelope!.ControlId.Should().Be("2");
    }
}
