using DsnGateway.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DsnGateway.Ingestion;

/// <summary>
/// Admits accepted messages (and dead letters) with group commit: callers enqueue and wait; one loop takes
/// everything pending (up to <see cref="MaxBatch"/>), writes it in one transaction (one fsync), and only then
/// completes the callers. So when <see cref="AdmitAsync"/> returns the message is durable and the caller may
/// ACK; when the transaction fails every caller of that batch gets <see cref="InboxUnavailableException"/> and
/// must not ACK (the sender resends, and the resend is recognised). A bulk caller (a CSV import) hands a batch of
/// messages at once with <see cref="AdmitBatchAsync"/>: the same queue, transaction and duplicate rules, the batch
/// committed in one transaction (or not at all).
/// </summary>
internal sealed partial class InboxWriter : IHostedService, IAsyncDisposable
{
    /// <summary>Messages per transaction when callers queue one by one; a bulk batch larger than this is committed
    /// alone, whole.</summary>
    public const int MaxBatch = 256;

    /// <summary>The largest batch <see cref="AdmitBatchAsync"/> takes (what one transaction holds at most).</summary>
    public const int MaxBulkBatch = 4096;

    private readonly InboxStore _store;
    private readonly InboxSignal _signal;
    private readonly ILogger<InboxWriter> _logger;
    private readonly GroupCommitQueue<PendingWrite> _queue;
    private long _commits;

    public InboxWriter(InboxStore store, InboxSignal signal, ILogger<InboxWriter>? logger = null)
    {
        _store = store;
        _signal = signal;
        _logger = logger ?? NullLogger<InboxWriter>.Instance;
        // Stopped hard: whoever still waits is told the message was not kept (so it is not ACKed).
        _queue = new GroupCommitQueue<PendingWrite>(MaxBatch, WriteBatchAsync,
            batch => Fail(batch, new InboxUnavailableException("The inbox stopped before the message was committed.")),
            pending => pending.Weight);
    }

    /// <summary>Transactions committed so far (each holds one or more messages or dead letters).</summary>
    public long Commits => Interlocked.Read(ref _commits);

    /// <summary>
    /// Stores the message unless this sender already used its control id: the same message once normalised (InboxHash) gives
    /// <see cref="Admission.Duplicate"/> with the original ACK, another message <see cref="Admission.ControlIdReused"/>.
    /// Completes only after the commit. Throws <see cref="InboxUnavailableException"/> when it could not commit.
    /// </summary>
    public async Task<Admission> AdmitAsync(AcceptedMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        message.Validate();
        var pending = new PendingAdmission(message, InboxHash.Sha256(message.Raw.Span));
        Enqueue(pending);
        // Cancelling stops the wait, not the write: a queued message is still committed, and its resend is a duplicate.
        return await pending.Completion.Task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Admits <paramref name="messages"/> in their order, in one transaction: each gets what <see cref="AdmitAsync"/>
    /// would give it (a message repeating an earlier one of the same batch is its duplicate), and the results are
    /// returned, in the same order, only after the commit. When the transaction fails none of them is stored and
    /// <see cref="InboxUnavailableException"/> is thrown. At most <see cref="MaxBulkBatch"/> messages.
    /// </summary>
    public async Task<IReadOnlyList<Admission>> AdmitBatchAsync(IReadOnlyList<AcceptedMessage> messages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (messages.Count > MaxBulkBatch)
            throw new ArgumentException($"At most {MaxBulkBatch} messages per batch.", nameof(messages));
        if (messages.Count == 0) return [];
        var hashes = new string[messages.Count];
        for (var i = 0; i < messages.Count; i++)
        {
            ArgumentNullException.ThrowIfNull(messages[i], nameof(messages));
            messages[i].Validate();
            hashes[i] = InboxHash.Sha256(messages[i].Raw.Span);
        }
        var pending = new PendingBatchAdmission(messages, hashes);
        Enqueue(pending);
        return await pending.Completion.Task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Keeps a rejected message (with the ACK it was answered, when there is one); durable when it returns. A
    /// dead letter identical once normalised, of the same sender and control id that is not yet replayed is not added twice:
    /// its id is returned.
    /// </summary>
    public async Task<long> DeadLetterAsync(DeadLetter deadLetter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deadLetter);
        if (deadLetter.Stage == DeadLetterStage.Delivery)
        {
            // Delivery dead letters belong to an inbox message and are written with its state (InboxStore.MarkDeadAsync).
            throw new ArgumentException("Delivery dead letters are recorded by the delivery worker.", nameof(deadLetter));
        }
        var pending = new PendingDeadLetter(deadLetter, InboxHash.Sha256(deadLetter.Raw.Span));
        Enqueue(pending);
        return await pending.Completion.Task.WaitAsync(cancellationToken);
    }

    /// <summary>The ACK already sent for this message (by its normalised fingerprint) (see <see cref="InboxStore.FindAnsweredAsync"/>).</summary>
    public Task<Admission?> FindAnsweredAsync(string senderApplication, string senderFacility, string controlId, string rawSha256,
        CancellationToken cancellationToken) =>
        _store.FindAnsweredAsync(senderApplication, senderFacility, controlId, rawSha256, cancellationToken);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _store.InitializeAsync(cancellationToken);
        _queue.Start();
    }

    /// <summary>Stops taking messages and commits what is already queued.</summary>
    public Task StopAsync(CancellationToken cancellationToken) => _queue.StopAsync(cancellationToken);

    public ValueTask DisposeAsync() => _queue.DisposeAsync();

    private void Enqueue(PendingWrite pending)
    {
        if (!_queue.TryEnqueue(pending))
        {
            throw new InboxUnavailableException("The inbox is stopped.");
        }
    }

    private async Task WriteBatchAsync(List<PendingWrite> batch, CancellationToken stopping)
    {
        try
        {
            await _store.WriteBatchAsync(async transaction =>
            {
                foreach (var pending in batch) await pending.ApplyAsync(transaction, stopping);
            }, stopping);
            Interlocked.Increment(ref _commits);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !stopping.IsCancellationRequested)
        {
            Log.WriteFailed(_logger, ex, batch.Count);
            Fail(batch, new InboxUnavailableException("The message could not be made durable; it must not be acknowledged.", ex));
            return;
        }
        // Results are published only now, after the commit: before it, nothing may be ACKed.
        var committed = 0;
        foreach (var pending in batch) committed += pending.Publish();
        if (committed > 0)
        {
            Log.Committed(_logger, committed, batch.Count);
            _signal.Raise();
        }
    }

    private static void Fail(List<PendingWrite> batch, InboxUnavailableException error)
    {
        foreach (var pending in batch) pending.Fail(error);
    }

    private abstract class PendingWrite
    {
        /// <summary>How many messages this write holds (what it fills of a batch).</summary>
        public virtual int Weight => 1;

        public abstract Task ApplyAsync(InboxTransaction transaction, CancellationToken cancellationToken);

        /// <summary>Completes the caller with the result computed in the committed transaction; returns how many new
        /// messages were stored (delivery has work).</summary>
        public abstract int Publish();

        public abstract void Fail(Exception error);
    }

    private sealed class PendingAdmission(AcceptedMessage message, string rawSha256) : PendingWrite
    {
        private Admission? _result;

        // Continuations run off the writer loop, so one slow caller never delays the next batch.
        public TaskCompletionSource<Admission> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async Task ApplyAsync(InboxTransaction transaction, CancellationToken cancellationToken) =>
            _result = await transaction.AdmitAsync(message, rawSha256, cancellationToken);

        public override int Publish()
        {
            Completion.TrySetResult(_result!);
            return _result is Admission.Committed ? 1 : 0;
        }

        public override void Fail(Exception error) => Completion.TrySetException(error);
    }

    private sealed class PendingBatchAdmission(IReadOnlyList<AcceptedMessage> messages, string[] rawSha256) : PendingWrite
    {
        private readonly Admission[] _results = new Admission[messages.Count];

        public TaskCompletionSource<IReadOnlyList<Admission>> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override int Weight => messages.Count;

        // The one admission rule, message after message in the same transaction (as if each had been queued alone).
        public override async Task ApplyAsync(InboxTransaction transaction, CancellationToken cancellationToken)
        {
            for (var i = 0; i < messages.Count; i++) _results[i] = await transaction.AdmitAsync(messages[i], rawSha256[i], cancellationToken);
        }

        public override int Publish()
        {
            Completion.TrySetResult(_results);
            return _results.Count(r => r is Admission.Committed);
        }

        public override void Fail(Exception error) => Completion.TrySetException(error);
    }

    private sealed class PendingDeadLetter(DeadLetter deadLetter, string rawSha256) : PendingWrite
    {
        private long _id;

        public TaskCompletionSource<long> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async Task ApplyAsync(InboxTransaction transaction, CancellationToken cancellationToken) =>
            _id = await transaction.AddDeadLetterAsync(deadLetter, rawSha256, cancellationToken);

        public override int Publish()
        {
            Completion.TrySetResult(_id);
            return 0;
        }

        public override void Fail(Exception error) => Completion.TrySetException(error);
    }

    private static partial class Log
    {
        // Never the message itself: it names patients.
        [LoggerMessage(1, LogLevel.Error, "Inbox write failed for a batch of {Count} items; none of them is acknowledged")]
        public static partial void WriteFailed(ILogger logger, Exception exception, int count);

        [LoggerMessage(2, LogLevel.Debug, "Inbox committed {Committed} new messages in a batch of {Count}")]
        public static partial void Committed(ILogger logger, int committed, int count);
    }
}
