using DsnGateway.Hl7v2.Parsing;
using DsnGateway.Hl7v2.Segments;

namespace DsnGateway.Hl7v2.Tests.Parsing;

public class ParsingTests
{
    private const string Adt =
        "MSH|^~\\&|ADT_NIM|NIM|DSN|DSN|20260115083000||ADT^A01^ADT_A01|MSG001|P|2.5.1|||||CAN|UNICODE UTF-8\r" +
        "EVN|A01|20260115083000\r" +
        "PID|1||123456^^^NIM^MR~TREM85061512^^^RAMQ^JHN||Tremblay&Tr^Marie^Claire^^Mme^^L~Gagnon^Marie^^^^^M||19850615|F|||1 rue Ste-Catherine^^Montréal^QC^H2X 1Y1^CA^H\r" +
        "PV1|1|I|3N^301^A^NIM||||||||||||||||V0001^^^NIM^VN\r";

    [Fact]
    public void Msh_numbering_puts_the_field_separator_at_1_and_encoding_characters_at_2()
    {
        var m = Parse(Adt);
        m.Header.Field(1).Value.Should().Be("|");
        m.Header.Field(2).Value.Should().Be("^~\\&");
        m.Get("MSH-3").Should().Be("ADT_NIM");
        m.Get("MSH-9.2").Should().Be("A01");
        m.Get("MSH-10").Should().Be("MSG001");
        m.Msh.Version.Should().Be("2.5.1");
        m.Msh.CharacterSet.Should().Be("UNICODE UTF-8");
    }

    [Fact]
    public void Paths_reach_repetitions_components_and_subcomponents()
    {
        var m = Parse(Adt);
        m.Get("PID-3[2].4.1").Should().Be("RAMQ");
        m.Get("PID-3[2].5").Should().Be("JHN");
        m.Get("PID-5.1.2").Should().Be("Tr");
        m.Get("PID-5[2].1").Should().Be("Gagnon");
        m.Get("PID-5[3].1").Should().BeEmpty();
        m.Get("PID-99").Should().BeEmpty();
        m.Get("nonsense").Should().BeEmpty();
        var pid = m.GetSegment("PID")!;
        pid.Repetitions(3).Should().HaveCount(2);
        pid.Component(11, 3).Should().Be("Montréal");
        pid.Field(3).RepetitionCount.Should().Be(2);
        pid.Get("3[2].1").Should().Be("TREM85061512");
    }

    [Fact]
    public void Segment_occurrences_are_addressable()
    {
        var m = Parse("MSH|^~\\&|A|B|C|D|20260101||ORU^R01|1|P|2.5\rOBX|1|ST|X||first\rOBX|2|ST|X||second\r");
        m.Get("OBX(2)-5").Should().Be("second");
        m.Get("OBX[1]-5").Should().Be("first");
        m.GetSegments("OBX").Should().HaveCount(2);
    }

    [Fact]
    public void Custom_delimiters_are_read_from_msh()
    {
        var m = Parse("MSH#$%*!#APP#FAC#R#RF#20260101##ADT$A04#42#P#2.5\rPID#1##111$$$NIM$MR%222$$$RAMQ$JHN##Doe!Jr$John\r");
        m.Delimiters.Should().Be(new Hl7Delimiters('#', '$', '%', '*', '!'));
        m.Get("MSH-9.2").Should().Be("A04");
        m.Get("PID-3[2].4").Should().Be("RAMQ");
        m.Get("PID-5.1.2").Should().Be("Jr");
        m.Header.Field(2).Value.Should().Be("$%*!");
    }

    [Fact]
    public void Truncation_character_of_v27_is_read()
    {
        var m = Parse("MSH|^~\\&#|A|B|C|D|20260101||ADT^A01|1|P|2.7\rNTE|1||a\\P\\b\r");
        m.Delimiters.Truncation.Should().Be('#');
        m.Get("MSH-3").Should().Be("A");
        m.Get("NTE-3").Should().Be("a#b");
    }

    [Theory]
    [InlineData("\r")]
    [InlineData("\n")]
    [InlineData("\r\n")]
    [InlineData("\r\n\r\n")]
    public void Any_line_end_separates_segments_and_blank_lines_are_skipped(string end)
    {
        var m = Parse(Adt.Replace("\r", end));
        m.Segments.Select(s => s.Name).Should().Equal("MSH", "EVN", "PID", "PV1");
    }

    [Fact]
    public void Leading_bom_is_ignored_in_bytes_and_text()
    {
        var bytes = new byte[] { 0xEF, 0xBB, 0xBF }.Concat(System.Text.Encoding.UTF8.GetBytes(Adt)).ToArray();
        Hl7Parser.Parse(bytes).IsSuccess.Should().BeTrue();
        Hl7Parser.Parse("\uFEFF" + Adt).IsSuccess.Should().BeTrue();
    }

    [Fact]
    public void Leading_bom_is_ignored_by_the_envelope_read_that_finds_the_sender()
    {
        var bytes = new byte[] { 0xEF, 0xBB, 0xBF }.Concat(System.Text.Encoding.UTF8.GetBytes(Adt)).ToArray();

        var envelope = Hl7Parser.ReadEnvelope(bytes);

        envelope.Should().NotBeNull("the MSH after the byte order mark is the message's header");
        envelope!.SendingApplication.NamespaceId.Should().Be("ADT_NIM");
        envelope.SendingFacility.NamespaceId.Should().Be("NIM");
        envelope.ControlId.Should().Be("MSG001");
    }

    [Theory]
    [InlineData("MSH|^~\\&|A|B|C|D|1||ADT^A01|1|P|2.5\rPID|1||X\rThe patient was seen today\r", 3)]
    [InlineData("MSH|^~\\&|A|B|C|D|1||ADT^A01|1|P|2.5\r\r\nPIDX|1||X\r", 2)]
    [InlineData("MSH|^~\\&|A|B|C|D|1||ADT^A01|1|P|2.5\rPID|1||X\rNTE^1^note\r", 3)]
    public void A_line_that_is_not_a_segment_is_a_content_error_at_its_position(string text, int position)
    {
        var result = Hl7Parser.Parse(text);

        result.Error!.Kind.Should().Be(Hl7ParseErrorKind.MalformedSegment);
        result.Error.SuggestedAck.Should().Be(AckCode.AE, "the envelope was fine: the content is wrong");
        result.Error.Code.Should().Be(100);
        result.Error.Location!.SegmentSequence.Should().Be(position, "MSH is line 1; blank lines are not counted");
        result.Error.Message.Should().Contain($"Line {position} ").And.NotContain("patient", "the line's text is not quoted back");
        result.Envelope!.ControlId.Should().Be("1");
    }

    [Fact]
    public void Misc_sample_with_repetitions_and_subcomponents()
    {
        var m = Parse(File.ReadAllText(SharedData.Path("hl7v2", "misc", "rep_sample_hl7_components_subcomponents_repetitions.hl7")));
        var mpid = m.GetSegment("MPI") ?? m.Segments[1];
        mpid.Field(1).Value.Should().Be("Field1");
        mpid.Component(2, 2).Should().Be("Component2");
        mpid.Component(3, 2, 2).Should().Be("Sub-Component2");
        mpid.Field(3).Repetition(1).Component(2).SubComponentCount.Should().Be(2);
        mpid.Repetitions(4).Select(r => r.Value()).Should().Equal("Repeat1", "Repeat2");
    }

    [Fact]
    public void Misc_adt_a03_reads_identifiers_and_location()
    {
        var m = Parse(File.ReadAllText(SharedData.Path("hl7v2", "misc", "adt_a03.txt")));
        var pid = m.Pid()!;
        pid.Identifiers.Should().HaveCount(4);
        pid.Identifiers[1].Id.Should().Be("ZZZZZZ83M64Z148R");
        pid.Identifiers[2].EffectiveDate.Should().Be("20070103");
        m.Get("PV1-3.11.2").Should().Be("LODI");
        m.Pr1s().Single().ProcedureCode.Text.Should().Be("Mastoplastica");
    }

    [Fact]
    public void Explicit_null_is_distinguished_from_empty()
    {
        var m = Parse("MSH|^~\\&|A|B|C|D|20260101||ADT^A08|1|P|2.5\rPID|1||X^^^NIM||\"\"\r");
        m.GetSegment("PID")!.Field(5).IsExplicitNull.Should().BeTrue();
        m.GetSegment("PID")!.Field(6).IsEmpty.Should().BeTrue();
    }

    [Fact]
    public void Message_text_round_trips_through_ToEr7()
    {
        var m = Parse(Adt);
        Parse(m.ToEr7()).ToEr7().Should().Be(Adt);
    }

    [Theory]
    [InlineData("", Hl7ParseErrorKind.Empty)]
    [InlineData("\r\n\r\n", Hl7ParseErrorKind.Empty)]
    [InlineData("PID|1||X\r", Hl7ParseErrorKind.MissingHeader)]
    [InlineData("FHS|^~\\&\rMSH|^~\\&|A\r", Hl7ParseErrorKind.MissingHeader)]
    [InlineData("MSH|^~|A\r", Hl7ParseErrorKind.InvalidDelimiters)]
    [InlineData("MSH|^^\\&|A\r", Hl7ParseErrorKind.InvalidDelimiters)]
    [InlineData("MSHA^~\\&A\r", Hl7ParseErrorKind.InvalidDelimiters)]
    [InlineData("MSH|^~\\&|A|B|C|D|1||ADT^A01|1|P|2.5\rpid|1\r", Hl7ParseErrorKind.MalformedSegment)]
    [InlineData("MSH|^~\\&|A|B|C|D|1||ADT^A01|1|P|2.5\rMSH|^~\\&|A\r", Hl7ParseErrorKind.MultipleMessages)]
    [InlineData("MSH|^~\\&|A|B|C|D|1||ADT^A01|1|P|2.5||||||FOO\r", Hl7ParseErrorKind.UnknownCharacterSet)]
    public void Structural_problems_are_structured_errors(string text, Hl7ParseErrorKind kind)
    {
        var result = Hl7Parser.Parse(text);
        result.IsSuccess.Should().BeFalse();
        result.Error!.Kind.Should().Be(kind);
        result.Error.Code.Should().BeOneOf(100, 102);
        result.Error.Message.Should().NotBeNullOrWhiteSpace();
    }

    [Fact]
    public void Malformed_segment_error_keeps_the_envelope_for_the_ack()
    {
        var result = Hl7Parser.Parse("MSH|^~\\&|ADT_NIM|NIM|C|D|1||ADT^A01|CTRL9|P|2.5\r???|x\r");
        result.Error!.Kind.Should().Be(Hl7ParseErrorKind.MalformedSegment);
        result.Envelope!.ControlId.Should().Be("CTRL9");
    }

    [Fact]
    public void Limits_are_enforced_with_structured_errors()
    {
        var header = "MSH|^~\\&|A|B|C|D|1||ADT^A01|1|P|2.5\r";
        var options = new Hl7ParserOptions { MaxSegments = 5, MaxFieldsPerSegment = 20, MaxRepetitionsPerField = 3, MaxMessageBytes = 4096 };
        Hl7Parser.Parse(header + string.Concat(Enumerable.Repeat("NTE|1\r", 5)), options).Error!.Kind.Should().Be(Hl7ParseErrorKind.TooManySegments);
        Hl7Parser.Parse(header + "NTE" + new string('|', 21) + "\r", options).Error!.Kind.Should().Be(Hl7ParseErrorKind.TooManyFields);
        var reps = Hl7Parser.Parse(header + "PID|1||a~b~c~d\r", options).Error!;
        reps.Kind.Should().Be(Hl7ParseErrorKind.TooManyRepetitions);
        reps.Location!.Field.Should().Be(3);
        Hl7Parser.Parse(System.Text.Encoding.ASCII.GetBytes(header + new string('x', 5000)), options).Error!.Kind.Should().Be(Hl7ParseErrorKind.TooLarge);
    }

    [Fact]
    public void Default_size_ceiling_is_one_mebibyte()
    {
        var big = new byte[1024 * 1024 + 1];
        "MSH|^~\\&|A|B|C|D|1||ADT^A01|1|P|2.5\r"u8.CopyTo(big);
        big.AsSpan(40).Fill((byte)'x');
        var result = Hl7Parser.Parse(big);
        result.Error!.Kind.Should().Be(Hl7ParseErrorKind.TooLarge);
        result.Envelope!.ControlId.Should().Be("1");
    }

    internal static Hl7Message Parse(string text)
    {
        var result = Hl7Parser.Parse(text);
        result.Error.Should().BeNull();
        return result.Message!;
    }
}
