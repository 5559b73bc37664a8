using Microsoft.Extensions.Logging;

namespace DsnGateway.Audit;

/// <summary>
/// Signs the audit chain's head every <see cref="AuditCheckpointOptions.EveryRecords"/> records this instance
/// commits, every <see cref="AuditCheckpointOptions.EverySeconds"/> when the head moved (whoever moved it: instances
/// sharing audit.db each sign what is there), and once more when the gateway stops. Each checkpoint goes into audit.db
/// and, as the <c>AuditCheckpoint</c> log event, into the log stream operators ship off the machine (docs/arch/0014).
/// A checkpoint that fails is only logged: the records it would anchor are durable already, and the next one signs them.
/// </summary>
internal sealed partial class AuditCheckpointWriter : IAsyncDisposable
{
    private readonly AuditStore _store;
    private readonly AuditCheckpointKey _key;
    private readonly AuditCheckpointOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<AuditCheckpointWriter> _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private Task? _periodic;
    private long _sinceLast;
    private int _disposed;

    public AuditCheckpointWriter(AuditStore store, AuditCheckpointKey key, AuditCheckpointOptions options, TimeProvider time, ILogger<AuditCheckpointWriter> logger)
    {
        if (!key.CanSign) throw new ArgumentException("Checkpoints are signed with the private key.", nameof(key));
        _store = store;
        _key = key;
        _options = options;
        _time = time;
        _logger = logger;
    }

    public void Start() => _periodic ??= RunPeriodicallyAsync(_stopping.Token);

    /// <summary>Counts records this instance committed; signs the head once there are enough.</summary>
    public async Task RecordsCommittedAsync(int count, CancellationToken cancellationToken)
    {
        if (Interlocked.Add(ref _sinceLast, count) < _options.EveryRecords) return;
        await CheckpointAsync(cancellationToken);
    }

    /// <summary>Signs the head if it moved past the last checkpoint; the checkpoint written, or null.</summary>
    public async Task<AuditCheckpoint?> CheckpointAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            Interlocked.Exchange(ref _sinceLast, 0);
            var checkpoint = await _store.CheckpointAsync(_key, _time.GetUtcNow(), cancellationToken);
            if (checkpoint is not null) Log.Checkpoint(_logger, checkpoint.Seq, checkpoint.HeadHash, checkpoint.KeyId);
            return checkpoint;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.CheckpointFailed(_logger, ex);
            return null;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Stops the timer and signs the tail this instance leaves behind.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_periodic is not null) await _periodic;
        await CheckpointAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        // The writer that owns it and the container may both dispose it.
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        await _stopping.CancelAsync();
        if (_periodic is not null) await _periodic;
        _stopping.Dispose();
        _gate.Dispose();
    }

    private async Task RunPeriodicallyAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(_options.Interval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping)) await CheckpointAsync(stopping);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    private static partial class Log
    {
        // The seq and the head hash only: what an operator's log shipping keeps off the machine, never a patient.
        [LoggerMessage(EventId = 1, EventName = "AuditCheckpoint", Level = LogLevel.Information,
            Message = "Audit checkpoint record {Seq} head {HeadHash} key {KeyId}")]
        public static partial void Checkpoint(ILogger logger, long seq, string headHash, string keyId);

        [LoggerMessage(EventId = 2, EventName = "AuditCheckpointFailed", Level = LogLevel.Warning,
            Message = "The audit checkpoint could not be written; the next one signs the records it would have")]
        public static partial void CheckpointFailed(ILogger logger, Exception exception);
    }
}
