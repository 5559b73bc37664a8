using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using DsnGateway.Hl7v2.Mllp;
using DsnGateway.Observability;
using DsnGateway.Runtime;
using Microsoft.Extensions.Options;

namespace DsnGateway.Ingestion;

/// <summary>
/// HL7 v2 over MLLP (TCP): many messages per connection, many connections at once, each message answered with
/// its ACK once it is safe (or refused). A frame over the ceiling is answered AR when its MSH can be read,
/// else the connection is closed; a frame not completed within the frame timeout is answered AR the same way and the
/// connection closed; a connection silent for the idle timeout is closed.
/// </summary>
internal sealed partial class MllpListener : BackgroundService
{
    private readonly Hl7Intake _intake;
    private readonly IOptionsMonitor<IngestionOptions> _options;
    private readonly ILogger<MllpListener> _logger;
    private readonly GatewayMetrics? _metrics;
    private readonly TaskCompletionSource<IPEndPoint> _bound = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private readonly X509Certificate2? _certificate;

    public MllpListener(Hl7Intake intake, IOptionsMonitor<IngestionOptions> options, ILogger<MllpListener> logger, GatewayMetrics? metrics = null)
    {
        _metrics = metrics;
        _intake = intake;
        _options = options;
        _logger = logger;
        var mllp = options.CurrentValue.Mllp;
        if (!string.IsNullOrWhiteSpace(mllp.TlsCertificatePath))
        {
            _certificate = X509CertificateLoader.LoadPkcs12FromFile(mllp.TlsCertificatePath, mllp.TlsCertificatePassword);
        }
    }

    /// <summary>The address actually listened on (port 0 in configuration picks a free one).</summary>
    public Task<IPEndPoint> BoundEndpoint => _bound.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var options = _options.CurrentValue;
        var listener = new TcpListener(StartupChecks.MllpEndpoint(options.Mllp.Endpoint));
        try
        {
            listener.Start(backlog: 256);
        }
        catch (SocketException ex)
        {
            _bound.TrySetException(ex);
            throw;
        }
        var endpoint = (IPEndPoint)listener.LocalEndpoint;
        _bound.TrySetResult(endpoint);
        Log.Listening(_logger, endpoint.ToString(), _certificate is null ? "TCP" : "TLS");
        var connections = new List<Task>();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var client = await listener.AcceptTcpClientAsync(stoppingToken);
                connections.RemoveAll(t => t.IsCompleted);
                connections.Add(ServeAsync(client, stoppingToken));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            listener.Stop();
            await Task.WhenAll(connections);
        }
    }

    private async Task ServeAsync(TcpClient client, CancellationToken stoppingToken)
    {
        _metrics?.MllpConnectionOpened();
        try
        {
            await ServeConnectionAsync(client, stoppingToken);
        }
        finally
        {
            _metrics?.MllpConnectionClosed();
        }
    }

    private async Task ServeConnectionAsync(TcpClient client, CancellationToken stoppingToken)
    {
        var remote = client.Client.RemoteEndPoint?.ToString() ?? "?";
        using var _ = client;
        var options = _options.CurrentValue;
        Stream stream = client.GetStream();
        if (_certificate is not null)
        {
            var tls = new SslStream(stream, leaveInnerStreamOpen: false);
            try
            {
                using var handshake = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                handshake.CancelAfter(TimeSpan.FromSeconds(30));
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificate = _certificate,
                    EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                }, handshake.Token);
            }
            catch (Exception ex) when (ex is AuthenticationException or IOException or OperationCanceledException)
            {
                Log.TlsFailed(_logger, remote);
                await tls.DisposeAsync();
                return;
            }
            stream = tls;
        }
        await using var __ = stream;
        var reader = new MllpFrameReader(stream, new MllpReaderOptions
        {
            MaxFrameBytes = options.MaxMessageBytes,
            FrameTimeout = options.Mllp.FrameTimeoutSeconds > 0 ? TimeSpan.FromSeconds(options.Mllp.FrameTimeoutSeconds) : null,
        });
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                using var idle = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                idle.CancelAfter(TimeSpan.FromSeconds(options.Mllp.IdleTimeoutSeconds));
                MllpReadResult frame;
                try
                {
                    frame = await reader.ReadAsync(idle.Token);
                }
                catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                {
                    Log.IdleClosed(_logger, remote);
                    return;
                }
                if (frame.SkippedBytesBefore > 0) Log.Noise(_logger, remote, frame.SkippedBytesBefore);
                switch (frame.Kind)
                {
                    case MllpReadKind.Frame:
                        var outcome = await _intake.ReceiveAsync(frame.Payload, null, replay: false, stoppingToken);
                        await MllpFrameWriter.WriteAsync(stream, outcome.Ack, stoppingToken);
                        _metrics?.AckSent(outcome.Code);
                        break;
                    case MllpReadKind.Oversized when DsnGateway.Hl7v2.Parsing.Hl7Parser.ReadEnvelope(frame.Payload) is not null:
                        // Only the frame's first bytes were kept: enough for the MSH the AR is addressed from.
                        var refusal = await _intake.RefuseOversizedAsync(frame.Payload, frame.FrameLength, stoppingToken);
                        await MllpFrameWriter.WriteAsync(stream, refusal.Ack, stoppingToken);
                        _metrics?.AckSent(refusal.Code);
                        break;
                    case MllpReadKind.Oversized:
                        Log.OversizedUnreadable(_logger, remote, frame.FrameLength);
                        return;
                    case MllpReadKind.Truncated:
                        Log.Truncated(_logger, remote, frame.FrameLength);
                        break;
                    case MllpReadKind.Incomplete:
                        await RefuseIncompleteAsync(stream, frame, remote, options.Mllp.FrameTimeoutSeconds, stoppingToken);
                        return; // the stream stops mid-frame: no later byte can be told apart from this frame's

                    default:
                        return; // end of stream
                }
            }
        }
        catch (InboxUnavailableException)
        {
            // No ACK: the sender keeps the message and sends it again (the whole point of ACK after commit).
            Log.InboxUnavailable(_logger, remote);
        }
        catch (IOException)
        {
            Log.ConnectionLost(_logger, remote);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            // Whatever went wrong, the message was not acknowledged: the sender still holds it and resends.
            Log.Failed(_logger, ex, remote);
        }
    }

    /// <summary>
    /// A frame that did not end within the frame timeout (or bytes that never had a start block): AR when its MSH can
    /// be read (what came is kept in the dead letters), else nothing but the log line; the caller then closes.
    /// </summary>
    private async Task RefuseIncompleteAsync(Stream stream, MllpReadResult frame, string remote, int timeoutSeconds, CancellationToken stoppingToken)
    {
        var what = frame.WithoutStartBlock ? "bytes without a start block" : "a start block without an end block";
        var head = frame.Payload.AsMemory(0, Math.Min(frame.Payload.Length, 16 * 1024));
        var answerable = DsnGateway.Hl7v2.Parsing.Hl7Parser.ReadEnvelope(head.Span) is not null;
        Log.Incomplete(_logger, remote, what, frame.FrameLength, timeoutSeconds, answerable ? "answered AR" : "no readable MSH");
        if (!answerable) return;
        var reason = frame.WithoutStartBlock
            ? $"the message came without an MLLP start block (0x0B) and no frame followed within {timeoutSeconds} s ({frame.Payload.Length} bytes kept)"
            : $"the MLLP frame had no end block (0x1C) within {timeoutSeconds} s of its start ({frame.FrameLength} bytes received, kept)";
        var refusal = await _intake.RefuseIncompleteAsync(frame.Payload, reason, stoppingToken);
        await MllpFrameWriter.WriteAsync(stream, refusal.Ack, stoppingToken);
        _metrics?.AckSent(refusal.Code);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "MLLP listening on {Endpoint} ({Transport})")]
        public static partial void Listening(ILogger logger, string endpoint, string transport);

        [LoggerMessage(2, LogLevel.Information, "MLLP connection from {Remote} closed after the idle timeout")]
        public static partial void IdleClosed(ILogger logger, string remote);

        [LoggerMessage(3, LogLevel.Warning, "MLLP: {Count} bytes outside any frame from {Remote} were skipped")]
        public static partial void Noise(ILogger logger, string remote, long count);

        [LoggerMessage(4, LogLevel.Warning, "MLLP: an oversized frame ({Length} bytes) from {Remote} has no readable MSH; connection closed")]
        public static partial void OversizedUnreadable(ILogger logger, string remote, long length);

        [LoggerMessage(5, LogLevel.Warning, "MLLP: a frame from {Remote} was cut short after {Length} bytes")]
        public static partial void Truncated(ILogger logger, string remote, long length);

        [LoggerMessage(6, LogLevel.Error, "MLLP: the inbox could not commit a message from {Remote}; no ACK sent, connection closed")]
        public static partial void InboxUnavailable(ILogger logger, string remote);

        [LoggerMessage(7, LogLevel.Information, "MLLP connection from {Remote} lost")]
        public static partial void ConnectionLost(ILogger logger, string remote);

        [LoggerMessage(9, LogLevel.Warning, "MLLP: the TLS handshake with {Remote} failed; connection closed")]
        public static partial void TlsFailed(ILogger logger, string remote);

        [LoggerMessage(10, LogLevel.Warning, "MLLP: {What} from {Remote}, {Length} bytes, not completed within the {Seconds} s frame timeout ({Outcome}); connection closed")]
        public static partial void Incomplete(ILogger logger, string remote, string what, long length, int seconds, string outcome);

        [LoggerMessage(8, LogLevel.Error, "MLLP connection from {Remote} failed; no ACK was sent for its last message")]
        public static partial void Failed(ILogger logger, Exception exception, string remote);
    }
}
