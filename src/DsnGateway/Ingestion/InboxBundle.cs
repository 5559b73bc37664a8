using System.IO.Compression;
using System.Text;

namespace DsnGateway.Ingestion;

/// <summary>
/// How the inbox keeps a message's Bundle: its JSON as UTF-8, zlib-compressed, in the <c>bundle</c> column as a BLOB.
/// A mapped Bundle is ~2.2 KB of repetitive JSON (systems, URLs, the Provenance); compressed it is ~0.9 KB, so two
/// messages fit in a 4 KB page instead of one (a 1M-row import made a 4.3 GB inbox). Rows written before this are
/// TEXT and read as they are; a Bundle replaced by an operator's replay is TEXT too. Decoding gives the same JSON
/// string that was admitted, byte for byte.
/// </summary>
internal static class InboxBundle
{
    public static byte[] Encode(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return Encode(Encoding.UTF8.GetBytes(json));
    }

    /// <summary>The same as <see cref="Encode(string)"/> from the JSON's UTF-8 bytes, when the caller already has them.</summary>
    public static byte[] Encode(ReadOnlySpan<byte> utf8)
    {
        using var output = new MemoryStream(utf8.Length / 2 + 64);
        using (var zlib = new ZLibStream(output, CompressionLevel.Fastest, leaveOpen: true)) zlib.Write(utf8);
        return output.ToArray();
    }

    /// <summary>The JSON of a <c>bundle</c> column value: a BLOB (compressed) or TEXT (as stored).</summary>
    public static string Decode(object value) => value switch
    {
        string json => json,
        byte[] compressed => Inflate(compressed),
        _ => throw new InvalidDataException($"Unexpected bundle column value of type {value?.GetType().Name ?? "null"}."),
    };

    private static string Inflate(byte[] compressed)
    {
        using var zlib = new ZLibStream(new MemoryStream(compressed, writable: false), CompressionMode.Decompress);
        using var output = new MemoryStream(compressed.Length * 3);
        zlib.CopyTo(output);
        return Encoding.UTF8.GetString(output.GetBuffer(), 0, (int)output.Length);
    }
}
