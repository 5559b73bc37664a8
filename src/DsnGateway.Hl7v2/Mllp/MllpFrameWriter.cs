using System.IO.Pipelines;

namespace DsnGateway.Hl7v2.Mllp;

/// <summary>Writes one payload (an ACK, usually) inside the MLLP envelope.</summary>
public static class MllpFrameWriter
{
    /// <summary>The framed bytes: VT, payload, FS, CR.</summary>
    public static byte[] Frame(ReadOnlySpan<byte> payload)
    {
        var framed = new byte[payload.Length + 3];
        framed[0] = MllpBytes.StartBlock;
        payload.CopyTo(framed.AsSpan(1));
        framed[^2] = MllpBytes.EndBlock;
        framed[^1] = MllpBytes.CarriageReturn;
        return framed;
    }

    public static async ValueTask WriteAsync(Stream stream, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        await stream.WriteAsync(Frame(payload.Span), cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public static async ValueTask WriteAsync(PipeWriter writer, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        await writer.WriteAsync(Frame(payload.Span), cancellationToken).ConfigureAwait(false);
    }
}
