using DsnGateway.Observability;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Retry;

namespace DsnGateway.Ingestion;

/// <summary>
/// Stage 4: posts the Bundles of pending messages to the record store, after their ACK.
/// <list type="bullet">
/// <item>Order: pending messages are taken in arrival order; each patient key has one lane that delivers its
/// messages strictly one after the other (the next only once the previous is settled), while lanes of different
/// patients run in parallel, at most <see cref="DeliveryOptions.MaxParallelism"/> at a time.</item>
/// <item>Transient failures (store down, 5xx, 408, 429, any exception of the delegate) are retried with capped
/// exponential backoff for as long as they last: an outage delays a patient's lane, it never loses a message
/// nor lets a later one of that patient overtake it. Each failed attempt is counted in the inbox.</item>
/// <item>A permanent failure (the store refuses the content) makes the message dead with a delivery dead letter,
/// and the lane moves on: the later messages of that patient are still delivered. Holding them back would
/// stall a patient's whole record behind one bad message until an operator acts; the store applies each
/// Bundle conditionally and "latest wins" by the source's own time, so a replayed older message cannot
/// overwrite newer demographics.</item>
/// <item>At least once: a message is marked delivered only after the store answered; a crash between the two
/// delivers it again on restart, which applies nothing twice: conditional writes, a Provenance under an id derived
/// from the message, and no version for an unchanged update (ADR 0012).</item>
/// </list>
/// It wakes on the writer's commit signal and also polls (replays from the CLI, restarts). One-shot: after
/// <see cref="StopAsync"/>, create a new worker.
/// </summary>
internal sealed partial class DeliveryWorker : IHostedService, IAsyncDisposable
{
    private readonly InboxStore _store;
    private readonly Func<string, CancellationToken, Task<DeliveryResult>> _deliver;
    private readonly TimeProvider _time;
    private readonly DeliveryOptions _options;
    private readonly InboxSignal _signal;
    private readonly ILogger<DeliveryWorker> _logger;
    private readonly GatewayMetrics? _metrics;
    private readonly ResiliencePipeline<DeliveryResult> _deliveryRetry;
    private readonly ResiliencePipeline _bookkeepingRetry;
    private readonly SemaphoreSlim _slots;
    private readonly CancellationTokenSource _stopping = new();

    // Guarded by _gate: the lanes by patient key, and the ids held in memory (queued in a lane or being delivered),
    // so a poll never schedules a message twice.
    private readonly object _gate = new();
    private readonly Dictionary<string, Lane> _lanes = new(StringComparer.Ordinal);
    private readonly HashSet<long> _inFlight = [];
    private HashSet<long>? _settledWhileReading;
    private Task? _loop;

    public DeliveryWorker(
        InboxStore store,
        Func<string, CancellationToken, Task<DeliveryResult>> deliver,
        TimeProvider timeProvider,
        DeliveryOptions options,
        InboxSignal signal,
        ILogger<DeliveryWorker>? logger = null,
        GatewayMetrics? metrics = null)
    {
        _metrics = metrics;
        _store = store;
        _deliver = deliver;
        _time = timeProvider;
        _options = options;
        if (options.Problems().ToList() is { Count: > 0 } problems) throw new ArgumentException(string.Join(Environment.NewLine, problems), nameof(options));
        _signal = signal;
        _logger = logger ?? NullLogger<DeliveryWorker>.Instance;
        _slots = new SemaphoreSlim(_options.MaxParallelism, _options.MaxParallelism);

        _deliveryRetry = new ResiliencePipelineBuilder<DeliveryResult> { TimeProvider = _time }
            .AddRetry(new RetryStrategyOptions<DeliveryResult>
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result?.Outcome == DeliveryOutcome.Transient),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = _options.RetryBaseDelay,
                MaxDelay = _options.RetryMaxDelay,
            })
            .Build();

        // Settling a message (delivered / dead) must not be skipped when the inbox is briefly locked: skipping would
        // let the patient's next message overtake it. So it is retried the same way until it succeeds or we stop.
        _bookkeepingRetry = new ResiliencePipelineBuilder { TimeProvider = _time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is { } ex && !(ex is OperationCanceledException && args.Context.CancellationToken.IsCancellationRequested)),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = _options.RetryBaseDelay,
                MaxDelay = _options.RetryMaxDelay,
                OnRetry = args =>
                {
                    Log.BookkeepingFailed(_logger, args.Outcome.Exception!, args.AttemptNumber + 1);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_stopping.IsCancellationRequested) throw new InvalidOperationException("A stopped delivery worker cannot be restarted; create a new one.");
        await _store.InitializeAsync(cancellationToken);
        _loop ??= Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
    }

    /// <summary>
    /// Stops delivering. Attempts in progress are cancelled; their messages stay pending and are delivered by the
    /// next worker (at least once).
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (!_stopping.IsCancellationRequested) await _stopping.CancelAsync();
        if (_loop is null) return;
        await _loop.WaitAsync(cancellationToken);
        Task[] lanes;
        lock (_gate) lanes = _lanes.Values.Select(l => l.Runner).OfType<Task>().ToArray();
        await Task.WhenAll(lanes).WaitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None);
        _stopping.Dispose();
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                try
                {
                    await ScheduleAsync(stopping);
                }
                catch (Exception ex) when (!stopping.IsCancellationRequested)
                {
                    // The inbox could not be read (locked, disk): nothing is lost, the next wake-up tries again.
                    Log.ReadFailed(_logger, ex);
                }
                await WaitForWorkAsync(stopping);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopping: whatever was being read stays pending for the next worker.
        }
    }

    /// <summary>Reads pending messages in arrival order and appends the new ones to their patient's lane.</summary>
    private async Task ScheduleAsync(CancellationToken stopping)
    {
        lock (_gate)
        {
            if (_inFlight.Count >= _options.MaxInFlight) return;
            _settledWhileReading = [];
        }
        IReadOnlyList<PendingMessage> pending;
        try
        {
            // Those held are pending too and come first in the answer; the bound keeps memory flat in a backlog.
            pending = await _store.ReadPendingAsync(_options.MaxInFlight, stopping);
        }
        catch
        {
            lock (_gate) _settledWhileReading = null;
            throw;
        }
        lock (_gate)
        {
            // A message settled while we were reading still looks pending in what we read: never schedule it again.
            var settled = _settledWhileReading!;
            _settledWhileReading = null;
            foreach (var message in pending)
            {
                if (_inFlight.Count >= _options.MaxInFlight) break;
                if (settled.Contains(message.Id) || !_inFlight.Add(message.Id)) continue;
                if (_lanes.TryGetValue(message.PatientKey, out var lane))
                {
                    lane.Queue.Enqueue(message);
                    continue;
                }
                lane = new Lane(message.PatientKey);
                lane.Queue.Enqueue(message);
                _lanes.Add(lane.Key, lane);
                lane.Runner = Task.Run(() => RunLaneAsync(lane, stopping), CancellationToken.None);
            }
        }
    }

    private async Task WaitForWorkAsync(CancellationToken stopping)
    {
        using var wake = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var signalled = _signal.WaitAsync(wake.Token);
        var polled = Task.Delay(_options.PollInterval, _time, wake.Token);
        await Task.WhenAny(signalled, polled);
        await wake.CancelAsync();
        try
        {
            await Task.WhenAll(signalled, polled);
        }
        catch (OperationCanceledException)
        {
            // The other wait, cancelled on purpose.
        }
    }

    private async Task RunLaneAsync(Lane lane, CancellationToken stopping)
    {
        while (true)
        {
            PendingMessage? message;
            lock (_gate)
            {
                if (!lane.Queue.TryDequeue(out message))
                {
                    _lanes.Remove(lane.Key);
                    return;
                }
            }
            try
            {
                await _slots.WaitAsync(stopping);
                try
                {
                    await DeliverAsync(message, stopping);
                }
                finally
                {
                    _slots.Release();
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return; // Still pending in the inbox: the next worker delivers it.
            }
            catch (Exception ex)
            {
                // Not expected (delivery and bookkeeping retry on their own). Drop the whole lane from memory so
                // nothing of this patient overtakes the message; the next poll reads them again, in order.
                Log.LaneFailed(_logger, ex, message.Id);
                lock (_gate)
                {
                    _inFlight.Remove(message.Id);
                    foreach (var queued in lane.Queue) _inFlight.Remove(queued.Id);
                    lane.Queue.Clear();
                    _lanes.Remove(lane.Key);
                }
                return;
            }
            bool drained;
            lock (_gate)
            {
                _inFlight.Remove(message.Id);
                _settledWhileReading?.Add(message.Id);
                drained = _inFlight.Count == _options.MaxInFlight / 2;
            }
            // The reader stops at MaxInFlight; wake it once room is back instead of waiting for the next poll.
            if (drained) _signal.Raise();
        }
    }

    private async Task DeliverAsync(PendingMessage message, CancellationToken stopping)
    {
        DeliveryResult result;
        do
        {
            // The pipeline retries for as long as the failures are transient; the loop only matters if it ever
            // gave up (int.MaxValue attempts), so that even then the message is never settled as failed.
            result = await _deliveryRetry.ExecuteAsync(
                static (state, token) => state.Worker.AttemptAsync(state.Message, token), (Worker: this, Message: message), stopping);
        }
        while (result.Outcome == DeliveryOutcome.Transient);

        if (result.Outcome == DeliveryOutcome.Delivered)
        {
            await _bookkeepingRetry.ExecuteAsync(
                async token => await _store.MarkDeliveredAsync(message.Id, _time.GetUtcNow(), token), stopping);
            Log.Delivered(_logger, message.Id);
            if (message.Received is { } received) _metrics?.Delivered(_time.GetUtcNow() - received);
            return;
        }

        var reason = string.IsNullOrWhiteSpace(result.Reason) ? "Refused by the record store" : result.Reason;
        var deadLetterId = await _bookkeepingRetry.ExecuteAsync(
            async token => await _store.MarkDeadAsync(message.Id, reason, token), stopping);
        Log.DeadLettered(_logger, message.Id, deadLetterId, ForLog(reason));
        _metrics?.DeadLettered("delivery");
    }

    private async ValueTask<DeliveryResult> AttemptAsync(PendingMessage message, CancellationToken cancellationToken)
    {
        DeliveryResult result;
        try
        {
            // Any exception is transient: the delegate could not say the store refused the content, so the message
            // is kept and tried again rather than dead-lettered on a guess.
            result = await _deliver(message.BundleJson, cancellationToken) ?? DeliveryResult.Transient("The delivery returned no result");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            result = DeliveryResult.Transient($"{ex.GetType().Name}: {ex.Message}");
        }

        if (result.Outcome == DeliveryOutcome.Transient)
        {
            var reason = result.Reason ?? "Transient failure";
            Log.AttemptFailed(_logger, message.Id, ForLog(reason));
            _metrics?.DeliveryRetried();
            try
            {
                await _store.RecordFailedAttemptAsync(message.Id, reason, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // Only the counter is lost; the message stays pending and is retried all the same.
                Log.BookkeepingFailed(_logger, ex, 1);
            }
        }
        return result;
    }

    private sealed class Lane(string key)
    {
        public string Key { get; } = key;

        public Queue<PendingMessage> Queue { get; } = new();

        public Task? Runner { get; set; }
    }

    /// <summary>
    /// The part of a reason fit for the log: its head (e.g. "HTTP 422"), not the store's diagnostics, which can
    /// quote a rejected value such as a birth date. The whole reason stays in the inbox, for the dead letters.
    /// </summary>
    private static string ForLog(string reason)
    {
        var colon = reason.IndexOf(':');
        return colon > 0 ? reason[..colon] : reason;
    }

    private static partial class Log
    {
        // Ids and reasons only, never the Bundle: it names patients.
        [LoggerMessage(1, LogLevel.Debug, "Inbox message {MessageId} delivered to the record store")]
        public static partial void Delivered(ILogger logger, long messageId);

        [LoggerMessage(2, LogLevel.Warning, "Delivery of inbox message {MessageId} failed and will be retried: {Reason}")]
        public static partial void AttemptFailed(ILogger logger, long messageId, string reason);

        [LoggerMessage(3, LogLevel.Error, "Inbox message {MessageId} refused by the record store, dead letter {DeadLetterId}: {Reason}")]
        public static partial void DeadLettered(ILogger logger, long messageId, long? deadLetterId, string reason);

        [LoggerMessage(4, LogLevel.Warning, "Inbox bookkeeping failed (attempt {Attempt}); retrying")]
        public static partial void BookkeepingFailed(ILogger logger, Exception exception, int attempt);

        [LoggerMessage(5, LogLevel.Warning, "Reading pending messages from the inbox failed; retrying at the next wake-up")]
        public static partial void ReadFailed(ILogger logger, Exception exception);

        [LoggerMessage(6, LogLevel.Error, "Delivery lane failed at inbox message {MessageId}; its messages are read again at the next poll")]
        public static partial void LaneFailed(ILogger logger, Exception exception, long messageId);
    }
}
