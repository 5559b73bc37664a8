using System.Buffers;
using System.IO.Pipelines;

namespace DsnGateway.Hl7v2.Mllp;

/// <summary>
/// Reads MLLP frames from a connection, one per call, across any split of the bytes into reads.
/// Memory stays bounded by the frame ceiling: an oversized frame is reported with its first bytes and the
/// rest skipped as it arrives. Bytes outside frames are skipped and counted.
/// </summary>
public sealed class MllpFrameReader
{
    private readonly PipeReader _reader;
    private readonly MllpReaderOptions _options;
    private long _skipped;

    public MllpFrameReader(PipeReader reader, MllpReaderOptions? options = null)
    {
        _reader = reader ?? throw new ArgumentNullException(nameof(reader));
        _options = options ?? new MllpReaderOptions();
        if (_options.MaxFrameBytes < 1 || _options.OversizedPrefixBytes < 0) throw new ArgumentOutOfRangeException(nameof(options));
    }

    public MllpFrameReader(Stream stream, MllpReaderOptions? options = null)
        : this(PipeReader.Create(stream ?? throw new ArgumentNullException(nameof(stream)), new StreamPipeReaderOptions(leaveOpen: true)), options)
    {
    }

    /// <summary>The next frame, oversized frame, truncated frame or the end of the stream.</summary>
    public async ValueTask<MllpReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        // 1. Find the start block, skipping anything before it.
        while (true)
        {
            var read = await _reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = read.Buffer;
            var start = buffer.PositionOf(MllpBytes.StartBlock);
            if (start is null)
            {
                _skipped += buffer.Length;
                _reader.AdvanceTo(buffer.End);
                if (read.IsCompleted || read.IsCanceled) return Result(MllpReadKind.EndOfStream, [], 0);
                continue;
            }
            _skipped += buffer.Slice(0, start.Value).Length;
            _reader.AdvanceTo(buffer.GetPosition(1, start.Value));
            break;
        }

        // 2. Collect the payload up to FS (a CR after it is consumed), without copying until it is complete.
        long scanned = 0;
        while (true)
        {
            var read = await _reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = read.Buffer;
            var unscanned = buffer.Slice(scanned);
            var end = PositionOfEither(unscanned, MllpBytes.EndBlock, MllpBytes.StartBlock);
            if (end is { } at)
            {
                var payload = buffer.Slice(0, at);
                if (payload.Length > _options.MaxFrameBytes) return await SkipOversizedAsync(buffer, read, cancellationToken).ConfigureAwait(false);
                var marker = buffer.Slice(at, 1).FirstSpan[0];
                if (marker == MllpBytes.StartBlock)
                {
                    // A new frame began before this one ended: report the fragment, leave the VT for the next call.
                    var fragment = payload.ToArray();
                    _reader.AdvanceTo(at);
                    return Result(MllpReadKind.Truncated, fragment, fragment.Length);
                }
                var afterFs = buffer.GetPosition(1, at);
                var rest = buffer.Slice(afterFs);
                if (rest.IsEmpty && !read.IsCompleted)
                {
                    // FS is the last byte we have: wait for one more to see whether it is the CR.
                    _reader.AdvanceTo(buffer.Start, buffer.End);
                    scanned = payload.Length;
                    continue;
                }
                var bytes = payload.ToArray();
                var consumed = !rest.IsEmpty && rest.FirstSpan[0] == MllpBytes.CarriageReturn ? buffer.GetPosition(1, afterFs) : afterFs;
                _reader.AdvanceTo(consumed);
                return Result(MllpReadKind.Frame, bytes, bytes.Length);
            }
            if (buffer.Length > _options.MaxFrameBytes) return await SkipOversizedAsync(buffer, read, cancellationToken).ConfigureAwait(false);
            if (read.IsCompleted || read.IsCanceled)
            {
                var fragment = buffer.ToArray();
                _reader.AdvanceTo(buffer.End);
                return Result(MllpReadKind.Truncated, fragment, fragment.Length);
            }
            scanned = buffer.Length;
            _reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private async ValueTask<MllpReadResult> SkipOversizedAsync(ReadOnlySequence<byte> buffer, ReadResult read, CancellationToken cancellationToken)
    {
        var prefix = buffer.Slice(0, Math.Min(buffer.Length, _options.OversizedPrefixBytes)).ToArray();
        long total = 0;
        while (true)
        {
            var end = buffer.PositionOf(MllpBytes.EndBlock);
            if (end is { } at)
            {
                total += buffer.Slice(0, at).Length;
                var afterFs = buffer.GetPosition(1, at);
                var rest = buffer.Slice(afterFs);
                var consumed = !rest.IsEmpty && rest.FirstSpan[0] == MllpBytes.CarriageReturn ? buffer.GetPosition(1, afterFs) : afterFs;
                _reader.AdvanceTo(consumed);
                return Result(MllpReadKind.Oversized, prefix, total);
            }
            total += buffer.Length;
            _reader.AdvanceTo(buffer.End);
            if (read.IsCompleted || read.IsCanceled) return Result(MllpReadKind.Oversized, prefix, total);
            read = await _reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            buffer = read.Buffer;
        }
    }

    private MllpReadResult Result(MllpReadKind kind, byte[] payload, long length)
    {
        var skipped = _skipped;
        _skipped = 0;
        return new MllpReadResult(kind, payload, length, skipped);
    }

    private static SequencePosition? PositionOfEither(ReadOnlySequence<byte> sequence, byte a, byte b)
    {
        var reader = new SequenceReader<byte>(sequence);
        return reader.TryAdvanceToAny([a, b], advancePastDelimiter: false) ? reader.Position : null;
    }
}
