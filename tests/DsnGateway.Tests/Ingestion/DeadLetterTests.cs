using System.Text;
using DsnGateway.Ingestion;

namespace DsnGateway.Tests.Ingestion;

/// <summary>Rejected messages kept for operators, and the resend of a rejected message.</summary>
public class DeadLetterTests
{
    private static readonly byte[] Rejected = InboxTestKit.Raw("R1", "PID|1||^^^NIM^MR");
    private static readonly byte[] RejectAck = InboxTestKit.Ack("R1", "AE");

    private static DeadLetter Content(byte[]? raw = null) =>
        new(InboxTestKit.Noon, "ADT_NIM", "NIM", "R1", DeadLetterStage.Content, "PID-3 has no NAM nor MRN", raw ?? Rejected, RejectAck);

    [Fact]
    public async Task A_dead_letter_is_durable_listed_and_readable_with_its_bytes()
    {
        await using var kit = await InboxTestKit.CreateAsync();
        var writer = await kit.StartWriterAsync();

        var id = await writer.DeadLetterAsync(Content(), CancellationToken.None);
        var envelope = await writer.DeadLetterAsync(new DeadLetter(InboxTestKit.Noon.AddMinutes(1), null, null, null,
            DeadLetterStage.Envelope, "MSH unreadable", Encoding.UTF8.GetBytes("garbage")), CancellationToken.None);

        var list = await kit.Store.ListDeadLettersAsync();
        list.Should().Equal(
            new DeadLetterSummary(id, InboxTestKit.Noon, "ADT_NIM", "NIM", "R1", DeadLetterStage.Content, "PID-3 has no NAM nor MRN", false),
            new DeadLetterSummary(envelope, InboxTestKit.Noon.AddMinutes(1), null, null, null, DeadLetterStage.Envelope, "MSH unreadable", false));
        var stored = await kit.Store.GetDeadLetterAsync(id);
        stored!.Raw.Should().Equal(Rejected);
        stored.Ack.Should().Equal(RejectAck);
        stored.MessageId.Should().BeNull();
        (await kit.Store.GetDeadLetterAsync(9999)).Should().BeNull();
    }

    [Fact]
    public async Task A_byte_identical_resend_of_a_rejected_message_gets_the_stored_ack_and_no_second_dead_letter()
    {
        await using var kit = await InboxTestKit.CreateAsync();
        var writer = await kit.StartWriterAsync();
        var id = await writer.DeadLetterAsync(Content(), CancellationToken.None);

        var answered = await writer.FindAnsweredAsync("ADT_NIM", "NIM", "R1", InboxHash.Sha256(Rejected), CancellationToken.None);
        answered.Should().BeOfType<Admission.Duplicate>().Which.Ack.ToArray().Should().Equal(RejectAck);

        // Even a caller that dead-letters it again adds nothing.
        (await writer.DeadLetterAsync(Content(), CancellationToken.None)).Should().Be(id);
        (await kit.Store.ListDeadLettersAsync()).Should().ContainSingle();

        // Other bytes under that control id were never answered.
        var other = InboxTestKit.Raw("R1", "PID|1||555^^^NIM^MR");
        (await writer.FindAnsweredAsync("ADT_NIM", "NIM", "R1", InboxHash.Sha256(other), CancellationToken.None)).Should().BeNull();
    }

    [Fact]
    public async Task A_control_id_reused_then_resent_gets_its_AR_back()
    {
        await using var kit = await InboxTestKit.CreateAsync();
        var writer = await kit.StartWriterAsync();
        await writer.AdmitAsync(InboxTestKit.Message("R1"), CancellationToken.None);
        var reused = InboxTestKit.Raw("R1", "PID|1||777^^^NIM^MR");
        var ar = InboxTestKit.Ack("R1", "AR");
        (await writer.AdmitAsync(InboxTestKit.Message("R1", raw: reused), CancellationToken.None)).Should().BeOfType<Admission.ControlIdReused>();
        await writer.DeadLetterAsync(new DeadLetter(InboxTestKit.Noon, "ADT_NIM", "NIM", "R1", DeadLetterStage.Envelope,
            "control id reused with other bytes (205)", reused, ar), CancellationToken.None);

        var original = await writer.FindAnsweredAsync("ADT_NIM", "NIM", "R1", InboxHash.Sha256(InboxTestKit.Raw("R1")), CancellationToken.None);
        var again = await writer.FindAnsweredAsync("ADT_NIM", "NIM", "R1", InboxHash.Sha256(reused), CancellationToken.None);

        original.Should().BeOfType<Admission.Duplicate>().Which.Ack.ToArray().Should().Equal(InboxTestKit.Ack("R1"));
        again.Should().BeOfType<Admission.Duplicate>().Which.Ack.ToArray().Should().Equal(ar);
    }

    [Fact]
    public async Task A_replayed_dead_letter_leaves_the_list_and_no_longer_answers_resends()
    {
        await using var kit = await InboxTestKit.CreateAsync();
        var writer = await kit.StartWriterAsync();
        var id = await writer.DeadLetterAsync(Content(), CancellationToken.None);

        (await kit.Store.MarkReplayedAsync(id)).Should().BeTrue();
        (await kit.Store.MarkReplayedAsync(9999)).Should().BeFalse();

        (await kit.Store.ListDeadLettersAsync()).Should().BeEmpty();
        (await kit.Store.ListDeadLettersAsync(includeReplayed: true)).Should().ContainSingle().Which.Replayed.Should().BeTrue();
        (await writer.FindAnsweredAsync("ADT_NIM", "NIM", "R1", InboxHash.Sha256(Rejected), CancellationToken.None)).Should().BeNull();
    }

    [Fact]
    public async Task Delivery_dead_letters_are_not_taken_from_callers()
    {
        await using var kit = await InboxTestKit.CreateAsync();
        var writer = await kit.StartWriterAsync();
        var wrong = () => writer.DeadLetterAsync(Content() with { Stage = DeadLetterStage.Delivery }, CancellationToken.None);
        await wrong.Should().ThrowAsync<ArgumentException>();
    }
}
