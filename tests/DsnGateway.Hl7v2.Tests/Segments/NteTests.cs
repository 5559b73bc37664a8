using DsnGateway.Hl7v2.Segments;
using static DsnGateway.Hl7v2.Tests.Parsing.ParsingTests;

namespace DsnGateway.Hl7v2.Tests.Segments;

/// <summary>NTE: which segment a note belongs to, and its text as one string.</summary>
public class NteTests
{
    private const string Message =
        "MSH|^~\\&|BLOC|NIM|DSN|DSN|20260101||BAR^P01|1|P|2.5.1\r" +
        "PID|1||123^^^NIM^MR||Doe^Jane\r" +
        "NTE|1||on the patient\r" +
        "PR1|1||A\r" +
        "NTE|1||first\r" +
        "NTE|2||second\r" +
        "ROL|1|AD\r" +
        "NTE|1||on the role\r" +
        "PR1|2||B\r";

    [Fact]
    public void The_notes_of_a_segment_are_the_NTE_right_after_it_up_to_the_next_other_segment()
    {
        var m = Parse(Message);
        var pr1s = m.Pr1s();
        m.NotesAfter(pr1s[0].Segment).Select(n => n.Comment).Should().Equal("first", "second");
        m.NotesAfter(pr1s[1].Segment).Should().BeEmpty("nothing follows the last segment");
        m.NotesAfter(m.GetSegment("PID")!).Single().Comment.Should().Be("on the patient");
        m.NotesAfter(Parse(Message).GetSegment("PR1")!).Should().BeEmpty("a segment of another message has no notes here");
    }

    [Theory]
    [InlineData(@"NTE|1||Drain \T\ pansement\.br\J+2   ~Dose 5^10 mg&plus~", "Drain & pansement\nJ+2\nDose 5^10 mg&plus")]
    [InlineData(@"NTE|1||~~Texte~~", "Texte")]
    [InlineData(@"NTE|1||Un~~Deux", "Un\n\nDeux")]
    [InlineData("NTE|1||\"\"", null)]
    [InlineData("NTE|1||   ~", null)]
    [InlineData("NTE|1|P", null)]
    public void The_comment_is_NTE_3_with_escapes_decoded_each_repetition_a_line(string nte, string? expected)
    {
        var m = Parse("MSH|^~\\&|A|B|C|D|20260101||ORU^R01|1|P|2.5\r" + nte + "\r");
        new Nte(m.GetSegment("NTE")!).Comment.Should().Be(expected);
    }
}
