using System.Threading.Channels;

namespace DsnGateway.Storage;

/// <summary>
/// Group commit: callers enqueue work and wait; one loop takes everything pending (up to a batch size) and hands
/// it to <c>writeBatch</c>, which writes it in one transaction (one fsync) and completes the callers after the
/// commit. Stopping writes what is queued; stopping hard (a cancelled stop) hands what is left to
/// <c>abandon</c>, so no caller waits forever and none is told its work is durable when it is not.
/// An item may weigh more than one (a bulk caller's batch of rows): a batch takes items until their weight reaches
/// the batch size, and an item heavier than that is written alone, never split.
/// </summary>
internal sealed class GroupCommitQueue<T> : IAsyncDisposable
{
    private readonly int _maxBatch;
    private readonly Func<List<T>, CancellationToken, Task> _writeBatch;
    private readonly Action<List<T>> _abandon;
    private readonly Func<T, int>? _weight;
    private readonly Channel<T> _queue = Channel.CreateUnbounded<T>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;

    /// <param name="weight">How much of a batch an item fills (default 1 each).</param>
    public GroupCommitQueue(int maxBatch, Func<List<T>, CancellationToken, Task> writeBatch, Action<List<T>> abandon, Func<T, int>? weight = null)
    {
        _maxBatch = maxBatch;
        _writeBatch = writeBatch;
        _abandon = abandon;
        _weight = weight;
    }

    /// <summary>False once the queue is stopped: the caller must fail (its work will not be written).</summary>
    public bool TryEnqueue(T item) => _queue.Writer.TryWrite(item);

    public void Start() => _loop ??= Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);

    /// <summary>Stops taking work and writes what is already queued (unless <paramref name="cancellationToken"/> fires first).</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        if (_loop is null) return;
        try
        {
            await _loop.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            await _stopping.CancelAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None);
        _stopping.Dispose();
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        var reader = _queue.Reader;
        var batch = new List<T>();
        try
        {
            while (await reader.WaitToReadAsync(stopping))
            {
                batch.Clear();
                var filled = 0;
                // Peek before taking: an item that would overflow a non-empty batch waits for the next one.
                while (filled < _maxBatch && reader.TryPeek(out var next))
                {
                    var weight = _weight is null ? 1 : Math.Max(1, _weight(next));
                    if (batch.Count > 0 && filled + weight > _maxBatch) break;
                    reader.TryRead(out var item);
                    batch.Add(item!);
                    filled += weight;
                }
                await _writeBatch(batch, stopping);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            while (reader.TryRead(out var item)) batch.Add(item);
            _abandon(batch);
        }
    }
}
