using System.Diagnostics;
using System.Text.Json;
using DsnGateway.Observability;
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
internal sealed partial class AuditWriter : IAuditTrail, IHostedService, IAsyncDisposable
{
    public const int MaxBatch = 256;

    private readonly AuditStore _store;
    private readonly AuditEventFactory _factory;
    private readonly ILogger<AuditWriter> _logger;
    private readonly GatewayMetrics? _metrics;
    private readonly GroupCommitQueue<PendingAudit> _queue;
    private readonly AuditCheckpointWriter? _checkpoints;
    private readonly AuditFallbackFile? _fallback;
    private volatile bool _fallbackPending;
    private long _commits;

    // Records of writes that reached the store but could not be written with their batch (only the writer loop uses it).
    private readonly List<LateRecord> _late = [];

    /// <param name="checkpoints">Signs the chain's head as it grows (docs/arch/0014); the gateway always has one, a test of
    /// the chain alone may go without.</param>
    /// <param name="fallback">Where requests refused because the store cannot be written are kept until it can; the
    /// gateway always has one.</param>
    public AuditWriter(AuditStore store, AuditEventFactory factory, ILogger<AuditWriter>? logger = null, GatewayMetrics? metrics = null,
        AuditCheckpointWriter? checkpoints = null, AuditFallbackFile? fallback = null)
    {
        _fallback = fallback;
        _metrics = metrics;
        _checkpoints = checkpoints;
        _store = store;
        _factory = factory;
        _logger = logger ?? NullLogger<AuditWriter>.Instance;
        // Stopped hard: whoever still waits is told the record was not kept; completed waiters ignore it.
        _queue = new GroupCommitQueue<PendingAudit>(MaxBatch, WriteBatchAsync,
            batch => Fail(batch, new AuditUnavailableException("The audit trail stopped before the record was written.")));
    }

    /// <summary>Transactions committed so far (each holds one or more records).</summary>
    public long Commits => Interlocked.Read(ref _commits);

    public Task RecordAsync(AuditRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        return EnqueueAsync(new PendingAudit(record, IsIntent: false), cancellationToken);
    }

    public Task RecordIntentAsync(AuditRecord attempt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        if (attempt.IntentId is null) throw new ArgumentException("A write intent needs its IntentId.", nameof(attempt));
        return EnqueueAsync(new PendingAudit(attempt, IsIntent: true), cancellationToken);
    }

    private async Task EnqueueAsync(PendingAudit pending, CancellationToken cancellationToken)
    {
        if (!_queue.TryEnqueue(pending))
        {
            KeepRefused([pending]);
            throw new AuditUnavailableException("The audit trail is stopped.");
        }
        // Cancelling stops the wait, not the write: a queued record is still made durable.
        await pending.Completion.Task.WaitAsync(cancellationToken);
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _store.InitializeAsync(cancellationToken);
        await RecordInterruptedWritesAsync(cancellationToken);
        _fallbackPending = _fallback?.HasEntries == true;
        await WriteRefusedAsync(cancellationToken);
        _queue.Start();
        _checkpoints?.Start();
    }

    /// <summary>
    /// Intents a stopped gateway left behind: the write was forwarded (or about to be) and its outcome was never
    /// audited. Each becomes an AuditEvent saying so, before any new record is taken.
    /// </summary>
    private async Task RecordInterruptedWritesAsync(CancellationToken cancellationToken)
    {
        var left = await _store.ReadIntentsAsync(cancellationToken);
        if (left.Count == 0) return;
        var events = left.Select(intent => _factory.Create(Attempt(intent.Record) with
        {
            HttpStatus = StatusCodes.Status500InternalServerError,
            OutcomeDescription = "Outcome unknown: the gateway stopped before this write's audit record was written; the record store may hold its result.",
        })).ToList();
        await _store.AppendAsync(events, [], [.. left.Select(intent => intent.Id)], cancellationToken);
        Log.InterruptedWritesRecorded(_logger, left.Count);
    }

    /// <summary>Stops taking records, writes what is already queued, and signs the head it leaves.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _queue.StopAsync(cancellationToken);
        if (_checkpoints is not null) await _checkpoints.StopAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _queue.DisposeAsync();
        if (_checkpoints is not null) await _checkpoints.DisposeAsync();
    }

    private static AuditRecord Attempt(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<AuditRecord>(json) ?? throw new JsonException("empty intent");
        }
        catch (JsonException)
        {
            // Unreadable, yet it says a write may have happened: that much is audited.
            return new AuditRecord
            {
                Recorded = DateTimeOffset.UtcNow, RequestId = "unknown", Interaction = "unknown", HttpMethod = "unknown", Path = "unknown",
                HttpStatus = StatusCodes.Status500InternalServerError, Agent = new AuditAgent(),
            };
        }
    }

    private async Task WriteBatchAsync(List<PendingAudit> batch, CancellationToken stopping)
    {
        await WriteRefusedAsync(stopping);
        await WriteLateRecordsAsync(stopping);
        try
        {
            var records = batch.Where(p => !p.IsIntent).Select(p => p.Record).ToList();
            var events = records.Select(_factory.Create).ToList();
            var intents = batch.Where(p => p.IsIntent).Select(p => (p.Record.IntentId!, JsonSerializer.Serialize(p.Record))).ToList();
            var started = Stopwatch.GetTimestamp();
            await _store.AppendAsync(events, intents, [.. records.Where(r => r.IntentId is not null).Select(r => r.IntentId!)], stopping);
            Interlocked.Increment(ref _commits);
            _metrics?.AuditCommitted(batch.Count, Stopwatch.GetElapsedTime(started));
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !stopping.IsCancellationRequested)
        {
            Log.WriteFailed(_logger, ex, batch.Count);
            // A write's record that fails here is kept and written later: its write is in the store already, and
            // its intent is durable, so the write is not lost from the trail; its caller is told 503 now.
            foreach (var pending in batch.Where(p => !p.IsIntent && p.Record.IntentId is not null))
            {
                _late.Add(new LateRecord(pending.Record with
                {
                    OutcomeDescription = $"{pending.Record.OutcomeDescription} The caller was answered 503: the audit store could not write this record at the time.".TrimStart(),
                }));
            }
            KeepRefused(batch);
            Fail(batch, new AuditUnavailableException("The audit record could not be made durable.", ex));
            return;
        }
        foreach (var pending in batch) pending.Completion.TrySetResult();
        if (_checkpoints is not null) await _checkpoints.RecordsCommittedAsync(batch.Count, stopping);
    }

    /// <summary>
    /// Writes the records kept by failed batches, in a transaction of their own so that one that keeps failing never
    /// holds up new records. After <see cref="LateRecordAttempts"/> failures a record is let go from memory: its intent
    /// is still in the audit store and becomes an AuditEvent of unknown outcome at the next start.
    /// </summary>
    private async Task WriteLateRecordsAsync(CancellationToken stopping)
    {
        if (_late.Count == 0) return;
        try
        {
            var records = _late.Select(l => l.Record).ToList();
            await _store.AppendAsync([.. records.Select(_factory.Create)], [], [.. records.Select(r => r.IntentId!)], stopping);
            _late.Clear();
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !stopping.IsCancellationRequested)
        {
            Log.WriteFailed(_logger, ex, _late.Count);
            foreach (var late in _late) late.Attempts++;
            _late.RemoveAll(l => l.Attempts >= LateRecordAttempts);
        }
    }

    private const int LateRecordAttempts = 3;

    /// <summary>
    /// The requests of a failed batch are answered 503, and would leave no AuditEvent: each is kept in the fallback
    /// file (flushed to disk before its caller is answered) as what it became, a refusal. A write whose intent is
    /// durable is not among them: its record is a late record, written with a later batch.
    /// </summary>
    private void KeepRefused(List<PendingAudit> batch)
    {
        if (_fallback is null) return;
        var refused = batch.Where(p => p.IsIntent || p.Record.IntentId is null).Select(Refusal).ToList();
        if (refused.Count == 0) return;
        try
        {
            _fallback.Append(refused);
            _fallbackPending = true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.FallbackFailed(_logger, ex, refused.Count);
        }
    }

    private static AuditRecord Refusal(PendingAudit pending) => pending.Record with
    {
        HttpStatus = StatusCodes.Status503ServiceUnavailable,
        IntentId = null,
        OutcomeDescription = pending.IsIntent
            ? "Refused (503) before the write was forwarded: the audit store could not write its intent. Kept in the gateway instance's audit fallback file and written when the store returned."
            : $"Refused (503), nothing released (it would have been {pending.Record.HttpStatus}): the audit store could not write this record. " +
              "Kept in the gateway instance's audit fallback file and written when the store returned.",
    };

    /// <summary>
    /// Writes the refusals kept in the fallback file, before the batch (so in the order they happened), and removes them
    /// from the file. The store records their ids with them, so a file rewritten late (a crash) never writes one twice.
    /// While the store still fails they stay in the file.
    /// </summary>
    private async Task WriteRefusedAsync(CancellationToken cancellationToken)
    {
        if (!_fallbackPending || _fallback is null) return;
        try
        {
            var entries = _fallback.Read();
            var written = entries.Count == 0 ? 0 : await _store.AppendFallbackAsync([.. entries.Select(e => (e.Id, _factory.Create(e.Record)))], cancellationToken);
            _fallback.Remove([.. entries.Select(e => e.Id)]);
            _fallbackPending = _fallback.HasEntries;
            if (written > 0) Log.RefusalsRecorded(_logger, written);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.RefusalsNotWritten(_logger, ex);
        }
    }

    private sealed class LateRecord(AuditRecord record)
    {
        public AuditRecord Record { get; } = record;

        public int Attempts { get; set; }
    }

    private static void Fail(List<PendingAudit> batch, AuditUnavailableException error)
    {
        foreach (var pending in batch) pending.Completion.TrySetException(error);
    }

    private sealed class PendingAudit(AuditRecord record, bool IsIntent)
    {
        public AuditRecord Record { get; } = record;

        public bool IsIntent { get; } = IsIntent;

        // Continuations run off the writer loop, so one slow caller never delays the next batch.
        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private static partial class Log
    {
        // Never the record itself: it may name patients.
        [LoggerMessage(1, LogLevel.Error, "Audit write failed for a batch of {Count} records; those requests fail closed")]
        public static partial void WriteFailed(ILogger logger, Exception exception, int count);

        [LoggerMessage(2, LogLevel.Warning, "{Count} write(s) interrupted before their audit record was written are now audited with an unknown outcome")]
        public static partial void InterruptedWritesRecorded(ILogger logger, int count);

        [LoggerMessage(3, LogLevel.Error, "{Count} request(s) refused because the audit store failed could not be kept in the audit fallback file either; they leave no AuditEvent")]
        public static partial void FallbackFailed(ILogger logger, Exception exception, int count);

        [LoggerMessage(4, LogLevel.Warning, "{Count} request(s) refused while the audit store could not be written are now AuditEvents")]
        public static partial void RefusalsRecorded(ILogger logger, int count);

        [LoggerMessage(5, LogLevel.Warning, "The requests kept in the audit fallback file cannot be written to the audit store yet; they stay in the file")]
        public static partial void RefusalsNotWritten(ILogger logger, Exception exception);
    }
}
