namespace DsnGateway.Ingestion;

public enum DeliveryOutcome
{
    /// <summary>The record store applied the transaction.</summary>
    Delivered,

    /// <summary>The store could not take it now (down, 5xx, 408, 429): retried with backoff, indefinitely.</summary>
    Transient,

    /// <summary>The store refused the content (4xx such as 400, 422): retrying cannot help; the message is dead-lettered.</summary>
    Permanent,
}

/// <summary>What the delivery delegate reports for one attempt.</summary>
internal sealed record DeliveryResult(DeliveryOutcome Outcome, string? Reason = null)
{
    public static DeliveryResult Delivered { get; } = new(DeliveryOutcome.Delivered);

    public static DeliveryResult Transient(string reason) => new(DeliveryOutcome.Transient, reason);

    public static DeliveryResult Permanent(string reason) => new(DeliveryOutcome.Permanent, reason);

    /// <summary>
    /// The classification of an HTTP answer of the record store: 2xx delivered; 408, 429 and every 5xx transient;
    /// 401 and 403 transient too (the store refused the gateway's credentials, not the message: it waits in the inbox
    /// until they are fixed, rather than every message of the outage going to the dead letters); any other 4xx
    /// permanent. Anything else (1xx, 3xx) is treated as transient: when unsure, keep the message and try again rather
    /// than dead-letter it.
    /// </summary>
    public static DeliveryResult FromStatusCode(int statusCode, string? detail = null)
    {
        var reason = string.IsNullOrEmpty(detail) ? $"HTTP {statusCode}" : $"HTTP {statusCode}: {detail}";
        return statusCode switch
        {
            >= 200 and < 300 => Delivered,
            408 or 429 => Transient(reason),
            401 or 403 => Transient($"the record store refused the gateway's credentials ({reason})"),
            >= 400 and < 500 => Permanent(reason),
            _ => Transient(reason),
        };
    }
}
