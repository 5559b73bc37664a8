using System.Net;
using System.Net.Sockets;
using System.Text;
using DsnGateway.Hl7v2.Mllp;

namespace DsnGateway.Tests.Ingestion;

/// <summary>A legacy sender on a real TCP connection: frames messages with MLLP and reads the ACKs.</summary>
public sealed class MllpTestClient : IAsyncDisposable
{
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private readonly MllpFrameReader _reader;

    private MllpTestClient(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
        _reader = new MllpFrameReader(_stream);
    }

    public static async Task<MllpTestClient> ConnectAsync(IPEndPoint endpoint)
    {
        var client = new TcpClient();
        await client.ConnectAsync(endpoint);
        return new MllpTestClient(client);
    }

    /// <summary>Sends one framed message, optionally cut into several TCP writes, and returns the ACK text.</summary>
    public async Task<string> SendAsync(byte[] message, int writes = 1)
    {
        var frame = MllpFrameWriter.Frame(message);
        var size = (frame.Length + writes - 1) / writes;
        for (var offset = 0; offset < frame.Length; offset += size)
        {
            await _stream.WriteAsync(frame.AsMemory(offset, Math.Min(size, frame.Length - offset)));
            await _stream.FlushAsync();
        }
        return await ReadAckAsync();
    }

    public async Task WriteRawAsync(byte[] bytes) => await _stream.WriteAsync(bytes);

    public async Task<string> ReadAckAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60)); // a hang detector, not a timing check
        var result = await _reader.ReadAsync(timeout.Token);
        result.Kind.Should().Be(MllpReadKind.Frame, "the gateway answers every message with an ACK frame");
        return Encoding.Latin1.GetString(result.Payload);
    }

    /// <summary>True when the gateway closed the connection (reads end of stream).</summary>
    public async Task<bool> IsClosedByPeerAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var result = await _reader.ReadAsync(timeout.Token);
        return result.Kind == MllpReadKind.EndOfStream;
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _client.Dispose();
    }
}

/// <summary>Fictional Quebec ADT messages written for these tests.</summary>
public static class AdtMessages
{
    public static string A01(string application, string facility, string controlId, string pid3, string name, string birth, string sex,
        string time = "20261120083000", string trigger = "A01", string charset = "UNICODE UTF-8") =>
        $"MSH|^~\\&|{application}|{facility}|DSN|DSN|{time}||ADT^{trigger}^ADT_A01|{controlId}|P|2.5.1|||||CA|{charset}\r" +
        $"EVN|{trigger}|{time}\r" +
        $"PID|1||{pid3}||{name}||{birth}|{sex}|||1234 rue Fictive^^Montréal^QC^H2X 1Y4^CAN^H\r" +
        "PV1|1|I|7N^712^1\r";

    /// <summary>ADT^A40 (merge): PID is the surviving patient, MRG-1 the identifiers of the record merged away.</summary>
    public static string A40(string application, string facility, string controlId, string pid3, string name, string birth, string sex,
        string mrg1, string time = "20261120083000") =>
        $"MSH|^~\\&|{application}|{facility}|DSN|DSN|{time}||ADT^A40^ADT_A39|{controlId}|P|2.5.1|||||CA|UNICODE UTF-8\r" +
        $"EVN|A40|{time}\r" +
        $"PID|1||{pid3}||{name}||{birth}|{sex}\r" +
        $"MRG|{mrg1}\r";

    public static byte[] Utf8(string message) => Encoding.UTF8.GetBytes(message);

    public static byte[] Latin1(string message) => Encoding.Latin1.GetBytes(message);

    /// <summary>MSA-1 of an ACK.</summary>
    public static string AckCode(string ack) => Field(ack, "MSA", 1);

    public static string Field(string message, string segment, int field)
    {
        var line = message.Split('\r').FirstOrDefault(s => s.StartsWith(segment + "|", StringComparison.Ordinal));
        if (line is null) return "";
        var fields = line.Split('|');
        // In MSH the field separator itself is MSH-1, so MSH-n is one place earlier than in other segments.
        var index = segment == "MSH" ? field - 1 : field;
        return fields.Length > index ? fields[index] : "";
    }
}
