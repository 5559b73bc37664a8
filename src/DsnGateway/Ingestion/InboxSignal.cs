namespace DsnGateway.Ingestion;

/// <summary>
/// "Something new was committed": the writer raises it after each commit so the delivery worker starts at once
/// instead of at its next poll. Raising it many times before anyone waits counts once: the worker reads
/// everything pending when it wakes.
/// </summary>
internal sealed class InboxSignal
{
    private readonly SemaphoreSlim _raised = new(0, 1);

    public void Raise()
    {
        try
        {
            _raised.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already raised and not yet consumed: one wake-up is enough.
        }
    }

    /// <summary>Completes when the signal is raised (consuming it); the waiter bounds the wait with its own timer.</summary>
    public Task WaitAsync(CancellationToken cancellationToken) => _raised.WaitAsync(cancellationToken);
}
