namespace DsnGateway.Hl7v2.Mllp;

/// <summary>The MLLP envelope bytes: &lt;VT&gt; payload &lt;FS&gt;&lt;CR&gt;.</summary>
public static class MllpBytes
{
    public const byte StartBlock = 0x0B;
    public const byte EndBlock = 0x1C;
    public const byte CarriageReturn = 0x0D;
}

public enum MllpReadKind
{
    /// <summary>A complete frame; <see cref="MllpReadResult.Payload"/> holds it.</summary>
    Frame,
    /// <summary>
    /// A frame over the ceiling: its first bytes are in <see cref="MllpReadResult.Payload"/> (enough to read MSH
    /// and answer AR); the rest was skipped up to the frame's end without being buffered.
    /// </summary>
    Oversized,
    /// <summary>A frame cut short: the connection ended, or a new start block arrived, before its end block.</summary>
    Truncated,
    /// <summary>
    /// Nothing complete within <see cref="MllpReaderOptions.FrameTimeout"/>: a start block and no end block (the payload
    /// so far is in <see cref="MllpReadResult.Payload"/>), or bytes and no start block at all
    /// (<see cref="MllpReadResult.WithoutStartBlock"/>; their first <see cref="MllpReaderOptions.OversizedPrefixBytes"/>
    /// are in the payload, say a message sent without MLLP). The stream is left mid-frame: the caller answers and closes.
    /// </summary>
    Incomplete,
    /// <summary>The connection ended; no more frames.</summary>
    EndOfStream,
}

/// <summary>One result of <see cref="MllpFrameReader.ReadAsync"/>.</summary>
public sealed record MllpReadResult(MllpReadKind Kind, byte[] Payload, long FrameLength, long SkippedBytesBefore)
{
    /// <summary>Bytes received before this frame's start block (noise between frames), reported so the caller can log them.</summary>
    public long SkippedBytesBefore { get; init; } = SkippedBytesBefore;

    /// <summary>An <see cref="MllpReadKind.Incomplete"/> read of bytes that never had a start block.</summary>
    public bool WithoutStartBlock { get; init; }
}

public sealed record MllpReaderOptions
{
    /// <summary>The largest payload accepted (DESIGN.md: 1 MiB by default).</summary>
    public int MaxFrameBytes { get; init; } = 1024 * 1024;

    /// <summary>How much of an oversized frame (or of bytes outside any frame) is kept for the caller: the MSH segment fits comfortably.</summary>
    public int OversizedPrefixBytes { get; init; } = 16 * 1024;

    /// <summary>
    /// How long a frame may take from its first byte (its start block, or a stray byte that is not a line end or
    /// blank) to its end block before the read gives up with <see cref="MllpReadKind.Incomplete"/>; null, no limit.
    /// Line ends and blanks between frames start nothing: some senders follow each frame with one.
    /// </summary>
    public TimeSpan? FrameTimeout { get; init; }
}
