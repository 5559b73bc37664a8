namespace DsnGateway.Authorization;

/// <summary>
/// The answer held back until its audit is committed, up to a cap: beyond it, what follows is not kept (memory stays
/// bounded whatever the store sends) and <see cref="Exceeded"/> says the answer cannot be released.
/// </summary>
internal sealed class AnswerBuffer(long cap) : MemoryStream
{
    public bool Exceeded { get; private set; }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (Fits(buffer.Length)) base.Write(buffer);
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        if (Fits(count)) base.Write(buffer, offset, count);
    }

    public override void WriteByte(byte value)
    {
        if (Fits(1)) base.WriteByte(value);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Fits(count) ? base.WriteAsync(buffer, offset, count, cancellationToken) : Task.CompletedTask;

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        Fits(buffer.Length) ? base.WriteAsync(buffer, cancellationToken) : ValueTask.CompletedTask;

    private bool Fits(int count)
    {
        if (!Exceeded && Length + count > cap) Exceeded = true;
        return !Exceeded;
    }
}
