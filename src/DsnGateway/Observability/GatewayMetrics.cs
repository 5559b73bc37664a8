using System.Diagnostics;
using System.Diagnostics.Metrics;
using DsnGateway.Hl7v2;

namespace DsnGateway.Observability;

/// <summary>
/// The gateway's one meter, <c>DsnGateway</c>, and every instrument on it (README, "Metrics", lists them). Made by
/// the container from <see cref="IMeterFactory"/>, so each gateway in a process (tests start several) has a meter of
/// its own. Components take it as an optional constructor argument: those built by hand (tests, CLI commands)
/// simply record nothing. Tags carry routes, outcomes and codes only, never anything that names a patient.
/// </summary>
internal sealed class GatewayMetrics
{
    public const string MeterName = "DsnGateway";

    private readonly Counter<long> _requests;
    private readonly Counter<long> _tokenValidations;
    private readonly Histogram<int> _auditBatchSize;
    private readonly Histogram<double> _auditCommitDuration;
    private readonly Histogram<double> _deliveryLag;
    private readonly Counter<long> _deliveryRetries;
    private readonly Counter<long> _deadLetters;
    private readonly Counter<long> _mllpConnections;
    private readonly UpDownCounter<long> _mllpActiveConnections;
    private readonly Counter<long> _acks;
    private Func<long?>? _inboxDepth;

    public GatewayMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _requests = meter.CreateCounter<long>("dsn.gateway.requests", "{request}",
            "HTTP requests answered, by route template and outcome.");
        _tokenValidations = meter.CreateCounter<long>("dsn.gateway.token.validations", "{validation}",
            "Bearer tokens checked, answered from the validation cache (cache=hit) or validated in full (cache=miss).");
        _auditBatchSize = meter.CreateHistogram<int>("dsn.gateway.audit.batch.size", "{record}",
            "Audit records (and write intents) made durable by one group commit.");
        _auditCommitDuration = meter.CreateHistogram<double>("dsn.gateway.audit.commit.duration", "s",
            "Time one audit group commit took to become durable; every request it holds waits this long.");
        meter.CreateObservableGauge("dsn.gateway.inbox.depth", ObserveInboxDepth, "{message}",
            "Messages acknowledged and not yet delivered to the record store.");
        _deliveryLag = meter.CreateHistogram<double>("dsn.gateway.delivery.lag", "s",
            "From the inbox commit (the ACK) to the record store's answer, per delivered message.");
        _deliveryRetries = meter.CreateCounter<long>("dsn.gateway.delivery.retries", "{attempt}",
            "Delivery attempts that failed transiently and will be tried again.");
        _deadLetters = meter.CreateCounter<long>("dsn.gateway.dead_letters", "{message}",
            "Messages kept in the dead letters, by stage (envelope, content, delivery).");
        _mllpConnections = meter.CreateCounter<long>("dsn.gateway.mllp.connections", "{connection}",
            "MLLP connections accepted.");
        _mllpActiveConnections = meter.CreateUpDownCounter<long>("dsn.gateway.mllp.connections.active", "{connection}",
            "MLLP connections open now.");
        _acks = meter.CreateCounter<long>("dsn.gateway.mllp.acks", "{ack}",
            "HL7 v2 acknowledgements sent over MLLP, by code (AA, AE, AR).");
    }

    /// <summary>A request answered. <paramref name="route"/> is the endpoint's template, never the path itself.</summary>
    public void RequestAnswered(string route, int statusCode) =>
        _requests.Add(1, new TagList { { "http.route", route }, { "outcome", Outcome(statusCode) } });

    private static string Outcome(int statusCode) => statusCode switch
    {
        401 => "unauthenticated",
        403 => "forbidden",
        >= 500 => "server_error",
        >= 400 => "client_error",
        _ => "success",
    };

    public void TokenValidated(bool cacheHit, bool valid) =>
        _tokenValidations.Add(1, new TagList { { "cache", cacheHit ? "hit" : "miss" }, { "result", valid ? "valid" : "invalid" } });

    public void AuditCommitted(int batchSize, TimeSpan duration)
    {
        _auditBatchSize.Record(batchSize);
        _auditCommitDuration.Record(duration.TotalSeconds);
    }

    /// <summary>Where the inbox depth is read when a reader collects (never on the ingestion path itself).</summary>
    public void ObserveInbox(Func<long?> pendingCount) => _inboxDepth = pendingCount;

    private IEnumerable<Measurement<long>> ObserveInboxDepth()
    {
        if (_inboxDepth?.Invoke() is { } depth) yield return new Measurement<long>(depth);
    }

    public void Delivered(TimeSpan lag) => _deliveryLag.Record(Math.Max(0, lag.TotalSeconds));

    public void DeliveryRetried() => _deliveryRetries.Add(1);

    /// <param name="stage">envelope, content or delivery (the stage <c>deadletters list</c> shows).</param>
    public void DeadLettered(string stage) => _deadLetters.Add(1, new KeyValuePair<string, object?>("stage", stage));

    public void MllpConnectionOpened()
    {
        _mllpConnections.Add(1);
        _mllpActiveConnections.Add(1);
    }

    public void MllpConnectionClosed() => _mllpActiveConnections.Add(-1);

    public void AckSent(AckCode code) => _acks.Add(1, new KeyValuePair<string, object?>("code", code.ToString()));
}
