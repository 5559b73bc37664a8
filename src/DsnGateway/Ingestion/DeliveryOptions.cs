namespace DsnGateway.Ingestion;

/// <summary>How the delivery worker paces itself (configuration section <c>Inbox:Delivery</c> when the lead binds it).</summary>
public sealed class DeliveryOptions
{
    /// <summary>Patients delivered at the same time (each patient's own messages are always one after another).</summary>
    public int MaxParallelism { get; set; } = 4;

    /// <summary>How often the inbox is read when no commit signal arrived (a replay from the CLI, a restart, another process).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The first retry delay after a transient failure; it doubles (with jitter) up to <see cref="RetryMaxDelay"/>.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Pending messages held in memory at most; the rest wait in the inbox until these drain.</summary>
    public int MaxInFlight { get; set; } = 1024;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxParallelism, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxInFlight, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(PollInterval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(RetryBaseDelay, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(RetryMaxDelay, RetryBaseDelay);
    }
}
