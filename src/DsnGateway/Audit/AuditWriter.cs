using DsnGateway.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DsnGateway.Audit;

/// <summary>
/// The durable audit trail with group commit: callers enqueue their record and wait; one loop takes everything
/// pending (up to <see cref="MaxBatch"/>), writes it in one transaction (one fsync), and only then releases the
/// waiters. When the write fails every waiter of that batch gets <see cref="AuditUnavailableException"/>, so the
/// request fails closed (503) and no clinical data leaves unaudited.
/// </summary>
public sealed partial class AuditWriter : IAuditTrail, IHostedService, IAsyncDisposable
{
    public const int MaxBatch = 256;

    private readonly AuditStore _store;
    private readonly AuditEventFactory _factory;
    private readonly ILogger<AuditWriter> _logger;
    private readonly GroupCommitQueue<PendingAudit> _queue;
    private long _commits;

    public AuditWriter(AuditStore store, AuditEventFactory factory, ILogger<AuditWriter>? logger = null)
    {
        _store = store;
        _factory = factory;
        _logger = logger ?? NullLogger<AuditWriter>.Instance;
        // Stopped hard: whoever still waits is told the record was not kept; completed waiters ignore it.
        _queue = new GroupCommitQueue<PendingAudit>(MaxBatch, WriteBatchAsync,
            batch => Fail(batch, new AuditUnavailableException("The audit trail stopped before the record was written.")));
    }

    /// <summary>Transactions committed so far (each holds one or more records).</summary>
    public long Commits => Interlocked.Read(ref _commits);

    public async Task RecordAsync(AuditRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        var pending = new PendingAudit(record);
        if (!_queue.TryEnqueue(pending))
        {
            throw new AuditUnavailableException("The audit trail is stopped.");
        }
        // Cancelling stops the wait, not the write: a queued record is still made durable.
        await pending.Completion.Task.WaitAsync(cancellationToken);
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _store.InitializeAsync(cancellationToken);
        _queue.Start();
    }

    /// <summary>Stops taking records and writes what is already queued.</summary>
    public Task StopAsync(CancellationToken cancellationToken) => _queue.StopAsync(cancellationToken);

    public ValueTask DisposeAsync() => _queue.DisposeAsync();

    private async Task WriteBatchAsync(List<PendingAudit> batch, CancellationToken stopping)
    {
        try
        {
            var events = batch.Select(p => _factory.Create(p.Record)).ToList();
            await _store.AppendAsync(events, stopping);
            Interlocked.Increment(ref _commits);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !stopping.IsCancellationRequested)
        {
            Log.WriteFailed(_logger, ex, batch.Count);
            Fail(batch, new AuditUnavailableException("The audit record could not be made durable.", ex));
            return;
        }
        foreach (var pending in batch) pending.Completion.TrySetResult();
    }

    private static void Fail(List<PendingAudit> batch, AuditUnavailableException error)
    {
        foreach (var pending in batch) pending.Completion.TrySetException(error);
    }

    private sealed class PendingAudit(AuditRecord record)
    {
        public AuditRecord Record { get; } = record;

        // Continuations run off the writer loop, so one slow caller never delays the next batch.
        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private static partial class Log
    {
        // Never the record itself: it may name patients.
        [LoggerMessage(1, LogLevel.Error, "Audit write failed for a batch of {Count} records; those requests fail closed")]
        public static partial void WriteFailed(ILogger logger, Exception exception, int count);
    }
}
