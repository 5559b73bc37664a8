using System.IO.Pipelines;
using DsnGateway.Hl7v2.Mllp;
using DsnGateway.Hl7v2.Parsing;

namespace DsnGateway.Hl7v2.Tests.Mllp;

public class MllpFramingTests
{
    private static readonly byte[] Msg1 = "MSH|^~\\&|ADT_NIM|NIM|DSN|DSN|1||ADT^A01|M1|P|2.5.1\rPID|1||1^^^NIM^MR\r"u8.ToArray();
    private static readonly byte[] Msg2 = "MSH|^~\\&|ADT_NIM|NIM|DSN|DSN|1||ADT^A08|M2|P|2.5.1\rPID|1||2^^^NIM^MR\r"u8.ToArray();

    [Fact]
    public async Task Many_frames_from_one_stream()
    {
        var stream = new MemoryStream([.. MllpFrameWriter.Frame(Msg1), .. MllpFrameWriter.Frame(Msg2)]);
        var reader = new MllpFrameReader(stream);
        (await reader.ReadAsync()).Should().BeEquivalentTo(new MllpReadResult(MllpReadKind.Frame, Msg1, Msg1.Length, 0));
        (await reader.ReadAsync()).Payload.Should().Equal(Msg2);
        (await reader.ReadAsync()).Kind.Should().Be(MllpReadKind.EndOfStream);
    }

    [Fact]
    public async Task Frames_split_across_writes_at_every_byte_boundary()
    {
        byte[] all = [.. MllpFrameWriter.Frame(Msg1), .. MllpFrameWriter.Frame(Msg2)];
        foreach (var chunk in new[] { 1, 2, 3, 7, 64 })
        {
            var pipe = new Pipe();
            var reader = new MllpFrameReader(pipe.Reader);
            var writing = Task.Run(async () =>
            {
                for (var i = 0; i < all.Length; i += chunk)
                {
                    await pipe.Writer.WriteAsync(all.AsMemory(i, Math.Min(chunk, all.Length - i)));
                }
                await pipe.Writer.CompleteAsync();
            });
            (await reader.ReadAsync()).Payload.Should().Equal(Msg1, $"chunk {chunk}");
            (await reader.ReadAsync()).Payload.Should().Equal(Msg2, $"chunk {chunk}");
            (await reader.ReadAsync()).Kind.Should().Be(MllpReadKind.EndOfStream);
            await writing;
        }
    }

    [Fact]
    public async Task Bytes_before_the_start_block_are_skipped_and_reported()
    {
        var stream = new MemoryStream([.. "noise\r\n"u8.ToArray(), .. MllpFrameWriter.Frame(Msg1), 0x0A, .. MllpFrameWriter.Frame(Msg2)]);
        var reader = new MllpFrameReader(stream);
        var first = await reader.ReadAsync();
        first.Payload.Should().Equal(Msg1);
        first.SkippedBytesBefore.Should().Be(7);
        (await reader.ReadAsync()).SkippedBytesBefore.Should().Be(1);
    }

    [Fact]
    public async Task Oversized_frame_reports_its_start_and_the_next_frame_still_arrives()
    {
        var big = new byte[5000];
        Msg1.CopyTo(big, 0);
        big.AsSpan(Msg1.Length).Fill((byte)'x');
        var pipe = new Pipe();
        var reader = new MllpFrameReader(pipe.Reader, new MllpReaderOptions { MaxFrameBytes = 1000, OversizedPrefixBytes = 200 });
        var writing = Task.Run(async () =>
        {
            byte[] all = [.. MllpFrameWriter.Frame(big), .. MllpFrameWriter.Frame(Msg2)];
            for (var i = 0; i < all.Length; i += 333) await pipe.Writer.WriteAsync(all.AsMemory(i, Math.Min(333, all.Length - i)));
            await pipe.Writer.CompleteAsync();
        });
        var over = await reader.ReadAsync();
        over.Kind.Should().Be(MllpReadKind.Oversized);
        over.Payload.Should().HaveCount(200);
        over.FrameLength.Should().Be(5000);
        Hl7Parser.ReadEnvelope(over.Payload)!.ControlId.Should().Be("M1");
        (await reader.ReadAsync()).Payload.Should().Equal(Msg2);
        (await reader.ReadAsync()).Kind.Should().Be(MllpReadKind.EndOfStream);
        await writing;
    }

    [Fact]
    public async Task Oversized_frame_in_one_buffer_is_detected_too()
    {
        var big = new byte[3000];
        big.AsSpan().Fill((byte)'y');
        var reader = new MllpFrameReader(new MemoryStream([.. MllpFrameWriter.Frame(big), .. MllpFrameWriter.Frame(Msg1)]), new MllpReaderOptions { MaxFrameBytes = 1000 });
        var over = await reader.ReadAsync();
        over.Kind.Should().Be(MllpReadKind.Oversized);
        over.FrameLength.Should().Be(3000);
        (await reader.ReadAsync()).Payload.Should().Equal(Msg1);
    }

    [Fact]
    public async Task Frame_cut_by_end_of_stream_or_a_new_start_block_is_truncated()
    {
        var reader = new MllpFrameReader(new MemoryStream([0x0B, .. "MSH|partial"u8.ToArray(), .. MllpFrameWriter.Frame(Msg1), 0x0B, .. "MSH|cut"u8.ToArray()]));
        var first = await reader.ReadAsync();
        first.Kind.Should().Be(MllpReadKind.Truncated);
        first.Payload.Should().Equal("MSH|partial"u8.ToArray());
        (await reader.ReadAsync()).Payload.Should().Equal(Msg1);
        var last = await reader.ReadAsync();
        last.Kind.Should().Be(MllpReadKind.Truncated);
        last.Payload.Should().Equal("MSH|cut"u8.ToArray());
        (await reader.ReadAsync()).Kind.Should().Be(MllpReadKind.EndOfStream);
    }

    [Fact]
    public async Task End_block_without_carriage_return_still_ends_the_frame()
    {
        var reader = new MllpFrameReader(new MemoryStream([0x0B, .. Msg1, 0x1C, 0x0B, .. Msg2, 0x1C]));
        (await reader.ReadAsync()).Payload.Should().Equal(Msg1);
        (await reader.ReadAsync()).Payload.Should().Equal(Msg2);
        (await reader.ReadAsync()).Kind.Should().Be(MllpReadKind.EndOfStream);
    }

    [Fact]
    public async Task Writer_frames_for_streams_and_pipes()
    {
        var stream = new MemoryStream();
        await MllpFrameWriter.WriteAsync(stream, Msg1);
        stream.ToArray().Should().Equal([0x0B, .. Msg1, 0x1C, 0x0D]);
        var pipe = new Pipe();
        await MllpFrameWriter.WriteAsync(pipe.Writer, Msg2);
        await pipe.Writer.CompleteAsync();
        (await new MllpFrameReader(pipe.Reader).ReadAsync()).Payload.Should().Equal(Msg2);
    }

    // The frame timeout is short so the reads below return quickly; what they return never depends on how long
    // anything took: a pipe that is never completed only ends through the timeout.
    private static readonly MllpReaderOptions ShortFrames = new() { FrameTimeout = TimeSpan.FromMilliseconds(200), OversizedPrefixBytes = 64 };

    [Fact]
    public async Task A_start_block_without_an_end_block_is_incomplete_after_the_frame_timeout()
    {
        var pipe = new Pipe();
        var reader = new MllpFrameReader(pipe.Reader, ShortFrames);
        byte[] started = [0x0B, .. Msg1];
        await pipe.Writer.WriteAsync(started);

        using var hang = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var result = await reader.ReadAsync(hang.Token);

        result.Kind.Should().Be(MllpReadKind.Incomplete);
        result.WithoutStartBlock.Should().BeFalse();
        result.Payload.Should().Equal(Msg1, "everything received after the start block is handed over");
        Hl7Parser.ReadEnvelope(result.Payload)!.ControlId.Should().Be("M1");
    }

    [Fact]
    public async Task Bytes_without_a_start_block_are_incomplete_after_the_frame_timeout()
    {
        var pipe = new Pipe();
        var reader = new MllpFrameReader(pipe.Reader, ShortFrames);
        byte[] unframed = [0x0D, 0x0A, .. Msg1];
        await pipe.Writer.WriteAsync(unframed);

        using var hang = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var result = await reader.ReadAsync(hang.Token);

        result.Kind.Should().Be(MllpReadKind.Incomplete);
        result.WithoutStartBlock.Should().BeTrue();
        result.Payload.Should().Equal(Msg1.Take(64), "the first stray bytes are kept, from the first that is not a line end");
        Hl7Parser.ReadEnvelope(result.Payload)!.ControlId.Should().Be("M1");
    }

    [Fact]
    public async Task Line_ends_between_frames_start_no_frame_timeout()
    {
        var pipe = new Pipe();
        var reader = new MllpFrameReader(pipe.Reader, ShortFrames);
        byte[] trailed = [.. MllpFrameWriter.Frame(Msg1), 0x0A];
        await pipe.Writer.WriteAsync(trailed);
        (await reader.ReadAsync()).Payload.Should().Equal(Msg1);

        var next = reader.ReadAsync().AsTask();
        await Task.Delay(TimeSpan.FromMilliseconds(600)); // well past the frame timeout, had the LF started one
        await pipe.Writer.WriteAsync(MllpFrameWriter.Frame(Msg2));

        var second = await next;
        second.Kind.Should().Be(MllpReadKind.Frame);
        second.Payload.Should().Equal(Msg2);
        second.SkippedBytesBefore.Should().Be(1);
    }

    [Fact]
    public async Task A_frame_completed_in_time_is_a_frame_and_the_next_read_is_not_cut_short()
    {
        var pipe = new Pipe();
        var reader = new MllpFrameReader(pipe.Reader, ShortFrames);
        await pipe.Writer.WriteAsync(MllpFrameWriter.Frame(Msg1));
        (await reader.ReadAsync()).Payload.Should().Equal(Msg1);

        var next = reader.ReadAsync().AsTask();
        await Task.Delay(TimeSpan.FromMilliseconds(600)); // the first frame's deadline would have passed by now
        await pipe.Writer.WriteAsync(MllpFrameWriter.Frame(Msg2));

        (await next).Payload.Should().Equal(Msg2);
    }
}
