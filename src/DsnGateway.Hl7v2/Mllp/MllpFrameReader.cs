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
    private int _cancelPending; // 1 while a cancel issued by a FrameDeadline has not been observed

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

    /// <summary>The next frame, oversized, truncated or incomplete frame, or the end of the stream.</summary>
    public async ValueTask<MllpReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        using var deadline = new FrameDeadline(this);

        // 1. Find the start block, skipping anything before it (the first stray bytes kept, for an Incomplete answer).
        var stray = new ArrayBufferWriter<byte>();
        while (true)
        {
            var read = await _reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = read.Buffer;
            var start = buffer.PositionOf(MllpBytes.StartBlock);
            if (start is null)
            {
                KeepStray(buffer, stray, deadline);
                _skipped += buffer.Length;
                _reader.AdvanceTo(buffer.End);
                if (read.IsCanceled && deadline.Observe() is { } expired)
                {
                    if (expired) return Result(MllpReadKind.Incomplete, stray.WrittenSpan.ToArray(), stray.WrittenCount) with { WithoutStartBlock = true };
                    continue;
                }
                if (read.IsCompleted || read.IsCanceled) return Result(MllpReadKind.EndOfStream, [], 0);
                continue;
            }
            _skipped += buffer.Slice(0, start.Value).Length;
            _reader.AdvanceTo(buffer.GetPosition(1, start.Value));
            // Stray bytes ran out their time just as the start block came: the frame gets a deadline of its own.
            if (read.IsCanceled && deadline.Observe() == true) deadline.Restart();
            deadline.Start();
            break;
        }

        // 2. Collect the payload up to FS (a CR after it is consumed), without copying until it is complete.
        long scanned = 0;
        while (true)
        {
            var read = await _reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = read.Buffer;
            var timedOut = false;
            if (read.IsCanceled && deadline.Observe() is { } expired)
            {
                if (!expired) read = new ReadResult(buffer, isCanceled: false, read.IsCompleted);
                timedOut = expired;
            }
            var unscanned = buffer.Slice(scanned);
            var end = PositionOfEither(unscanned, MllpBytes.EndBlock, MllpBytes.StartBlock);
            if (end is { } at)
            {
                var payload = buffer.Slice(0, at);
                if (payload.Length > _options.MaxFrameBytes) return await SkipOversizedAsync(buffer, read, deadline, cancellationToken).ConfigureAwait(false);
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
                if (rest.IsEmpty && !read.IsCompleted && !timedOut)
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
            if (buffer.Length > _options.MaxFrameBytes) return await SkipOversizedAsync(buffer, read, deadline, cancellationToken).ConfigureAwait(false);
            if (timedOut || read.IsCompleted || read.IsCanceled)
            {
                var fragment = buffer.ToArray();
                _reader.AdvanceTo(buffer.End);
                return Result(timedOut ? MllpReadKind.Incomplete : MllpReadKind.Truncated, fragment, fragment.Length);
            }
            scanned = buffer.Length;
            _reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private async ValueTask<MllpReadResult> SkipOversizedAsync(ReadOnlySequence<byte> buffer, ReadResult read, FrameDeadline deadline, CancellationToken cancellationToken)
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
            if (read.IsCanceled && deadline.Observe() is { } expired)
            {
                if (expired) return Result(MllpReadKind.Incomplete, prefix, total);
            }
            else if (read.IsCompleted || read.IsCanceled)
            {
                return Result(MllpReadKind.Oversized, prefix, total);
            }
            read = await _reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            buffer = read.Buffer;
        }
    }

    /// <summary>
    /// Keeps the first stray bytes (from the first that is not a line end or blank) and starts the frame deadline
    /// there: a message sent without its start block is answered, not left waiting for the idle timeout.
    /// </summary>
    private void KeepStray(ReadOnlySequence<byte> buffer, ArrayBufferWriter<byte> stray, FrameDeadline deadline)
    {
        foreach (var segment in buffer)
        {
            var span = segment.Span;
            if (stray.WrittenCount == 0) span = span.TrimStart(" \t\r\n"u8);
            if (span.IsEmpty) continue;
            deadline.Start();
            var room = _options.OversizedPrefixBytes - stray.WrittenCount;
            if (room <= 0) return;
            stray.Write(span[..Math.Min(room, span.Length)]);
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

    /// <summary>
    /// The frame timeout of one read: once started, it cancels the pending read of the pipe (which then returns
    /// <c>IsCanceled</c> with the bytes it holds, nothing lost) when the time is up. A cancel it issued just as the
    /// frame completed can surface at the next read: <see cref="Observe"/> tells that stale one from a real expiry.
    /// </summary>
    private sealed class FrameDeadline(MllpFrameReader owner) : IDisposable
    {
        private readonly MllpFrameReader _owner = owner;
        private CancellationTokenSource? _timer;
        private CancellationTokenRegistration _registration;

        public void Start()
        {
            if (_timer is not null || _owner._options.FrameTimeout is not { } timeout) return;
            _timer = new CancellationTokenSource(timeout);
            _registration = _timer.Token.Register(static state =>
            {
                var reader = (MllpFrameReader)state!;
                Volatile.Write(ref reader._cancelPending, 1);
                reader._reader.CancelPendingRead();
            }, _owner);
        }

        public void Restart()
        {
            Dispose();
            _timer = null;
            _registration = default;
            Start();
        }

        /// <summary>
        /// For a read that came back canceled: true when this deadline expired, false for a stale cancel of an earlier
        /// one (read again), null when the cancel is not the deadline's at all (someone else cancelled the pipe).
        /// </summary>
        public bool? Observe()
        {
            if (Interlocked.Exchange(ref _owner._cancelPending, 0) == 0) return null;
            return _timer?.IsCancellationRequested == true;
        }

        public void Dispose()
        {
            _registration.Dispose();
            _timer?.Dispose();
        }
    }
}
