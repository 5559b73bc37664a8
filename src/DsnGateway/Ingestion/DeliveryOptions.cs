namespace DsnGateway.Ingestion;

/// <summary>Section <c>Ingestion:Delivery</c>: how the delivery worker paces itself.</summary>
internal sealed class DeliveryOptions
{
    public const string Section = "Ingestion:Delivery";

    /// <summary>Patients delivered at the same time (each patient's own messages are always one after another).</summary>
    public int MaxParallelism { get; set; } = 4;

    /// <summary>How often the inbox is read when no commit signal arrived (a replay from the CLI, a restart, another process).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The first retry delay after a transient failure; it doubles (with jitter) up to <see cref="RetryMaxDelay"/>.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Pending messages held in memory at most; the rest wait in the inbox until these drain.</summary>
    public int MaxInFlight { get; set; } = 1024;

    /// <summary>What is wrong with these options, one line each, in the words of the configuration keys.</summary>
    internal IEnumerable<string> Problems()
    {
        if (MaxParallelism < 1) yield return $"{Section}:MaxParallelism '{MaxParallelism}' is not a whole number of 1 or more (e.g. 4).";
        if (MaxInFlight < 1) yield return $"{Section}:MaxInFlight '{MaxInFlight}' is not a whole number of 1 or more (e.g. 1024).";
        if (PollInterval <= TimeSpan.Zero) yield return $"{Section}:PollInterval '{PollInterval}' is not a positive duration (e.g. 00:00:05).";
        if (RetryBaseDelay <= TimeSpan.Zero) yield return $"{Section}:RetryBaseDelay '{RetryBaseDelay}' is not a positive duration (e.g. 00:00:00.1).";
        if (RetryMaxDelay < RetryBaseDelay) yield return $"{Section}:RetryMaxDelay '{RetryMaxDelay}' is shorter than RetryBaseDelay '{RetryBaseDelay}'.";
    }
}
