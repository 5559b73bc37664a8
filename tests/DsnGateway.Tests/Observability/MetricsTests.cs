using System.Diagnostics.Metrics;
using System.Net;
using DsnGateway.Ingestion;
using DsnGateway.Observability;
using DsnGateway.Tests.Ingestion;
using Microsoft.Extensions.DependencyInjection;

namespace DsnGateway.Tests.Observability;

/// <summary>
/// Every instrument the README lists is recorded by what it measures: these fail when one stops being recorded
/// (or loses the tags an operator's dashboard filters on). Values that are durations are only checked to exist.
/// </summary>
public class MetricsTests : IClassFixture<GatewayFixture>
{
    private readonly GatewayFixture _gateway;

    public MetricsTests(GatewayFixture gateway) => _gateway = gateway;

    private MetricsRecorder Record() => new(_gateway.Services.GetRequiredService<IMeterFactory>());

    [Fact]
    public async Task Requests_are_counted_by_route_template_and_outcome_never_by_path()
    {
        using var metrics = Record();

        (await _gateway.Client.GetAsync("fhir/Patient/sample-nim-tremblay")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await _gateway.Anonymous.GetAsync("fhir/Patient/sample-nim-tremblay")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await _gateway.Client.GetAsync("fhir/Patient/sample-mcq-gagnon")).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await _gateway.Client.GetAsync("healthz")).StatusCode.Should().Be(HttpStatusCode.OK);

        await metrics.WaitForAsync("dsn.gateway.requests", m => m.Tags["http.route"] == "/fhir/{**rest}" && m.Tags["outcome"] == "success");
        await metrics.WaitForAsync("dsn.gateway.requests", m => m.Tags["http.route"] == "/fhir/{**rest}" && m.Tags["outcome"] == "unauthenticated");
        await metrics.WaitForAsync("dsn.gateway.requests", m => m.Tags["http.route"] == "/fhir/{**rest}" && m.Tags["outcome"] == "forbidden");
        await metrics.WaitForAsync("dsn.gateway.requests", m => m.Tags["http.route"] == "/healthz" && m.Tags["outcome"] == "success");
        metrics.Of("dsn.gateway.requests").Should().OnlyContain(m => m.Value == 1 && m.Tags.Count == 2)
            .And.NotContain(m => m.Tags.Values.Any(v => v!.Contains("tremblay") || v.Contains("gagnon")), "a path names a patient");
    }

    [Fact]
    public async Task A_token_is_validated_in_full_once_then_answered_from_the_cache()
    {
        using var metrics = Record();
        using var client = _gateway.ClientWith(_gateway.Token(subject: "dr.metrics." + Guid.NewGuid().ToString("N")));

        (await client.GetAsync("fhir/Patient/sample-nim-tremblay")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await client.GetAsync("fhir/Patient/sample-nim-tremblay")).StatusCode.Should().Be(HttpStatusCode.OK);

        var validations = metrics.Of("dsn.gateway.token.validations");
        validations.Should().ContainSingle(m => m.Tags["cache"] == "miss" && m.Tags["result"] == "valid");
        validations.Should().ContainSingle(m => m.Tags["cache"] == "hit" && m.Tags["result"] == "valid");
    }

    [Fact]
    public async Task An_audited_read_records_the_audit_batch_and_its_commit_time()
    {
        using var metrics = Record();

        (await _gateway.Client.GetAsync("fhir/Patient/sample-nim-tremblay")).StatusCode.Should().Be(HttpStatusCode.OK);

        (await metrics.WaitForAsync("dsn.gateway.audit.batch.size")).Value.Should().BeGreaterThanOrEqualTo(1);
        (await metrics.WaitForAsync("dsn.gateway.audit.commit.duration")).Value.Should().BeGreaterThanOrEqualTo(0);
    }

    [Fact]
    public async Task An_mllp_message_counts_its_connection_its_ack_code_and_its_delivery_lag_and_the_inbox_depth_is_observable()
    {
        using var metrics = Record();
        var control = Guid.NewGuid().ToString("N")[..12].ToUpperInvariant();
        var message = AdtMessages.A01("ADT_NIM", "NIM", control, $"NIM{control}^^^NIM^MR", "Metrique^Test", "19800101", "M");

        await using (var sender = await MllpTestClient.ConnectAsync(await _gateway.Services.GetRequiredService<MllpListener>().BoundEndpoint))
        {
            AdtMessages.AckCode(await sender.SendAsync(AdtMessages.Utf8(message))).Should().Be("AA");
            (await metrics.WaitForAsync("dsn.gateway.mllp.connections")).Value.Should().Be(1);
            (await metrics.WaitForAsync("dsn.gateway.mllp.connections.active")).Value.Should().Be(1);
        }

        (await metrics.WaitForAsync("dsn.gateway.mllp.acks")).Tags["code"].Should().Be("AA");
        (await metrics.WaitForAsync("dsn.gateway.delivery.lag")).Value.Should().BeGreaterThanOrEqualTo(0);
        await metrics.WaitForAsync("dsn.gateway.mllp.connections.active", m => m.Value == -1);
        metrics.Observe();
        (await metrics.WaitForAsync("dsn.gateway.inbox.depth")).Value.Should().BeGreaterThanOrEqualTo(0);
    }

    [Fact]
    public async Task A_refused_mllp_message_counts_its_ar_and_its_dead_letter_by_stage()
    {
        using var metrics = Record();
        var message = AdtMessages.A01("ADT_NOBODY", "XYZ", "UNKNOWN1", "NIM123^^^NIM^MR", "Inconnu^Test", "19800101", "M");

        await using (var sender = await MllpTestClient.ConnectAsync(await _gateway.Services.GetRequiredService<MllpListener>().BoundEndpoint))
        {
            AdtMessages.AckCode(await sender.SendAsync(AdtMessages.Utf8(message))).Should().Be("AR");
        }

        (await metrics.WaitForAsync("dsn.gateway.mllp.acks")).Tags["code"].Should().Be("AR");
        (await metrics.WaitForAsync("dsn.gateway.dead_letters")).Tags["stage"].Should().Be("envelope");
    }

    [Fact]
    public async Task Delivery_counts_each_transient_failure_as_a_retry_and_a_refusal_as_a_delivery_dead_letter()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = services.GetRequiredService<IMeterFactory>();
        using var metrics = new MetricsRecorder(meters);
        await using var kit = await InboxTestKit.CreateAsync();
        var writer = await kit.StartWriterAsync();
        var failures = 0;
        var recordStore = new RecordStoreDouble
        {
            Before = (name, _) => Task.FromResult<DeliveryResult?>(name switch
            {
                "outage" when Interlocked.Increment(ref failures) <= 2 => DeliveryResult.Transient("HTTP 503"),
                "refused" => DeliveryResult.Permanent("HTTP 422"),
                _ => null,
            }),
        };
        await using var worker = new DeliveryWorker(kit.Store, recordStore.DeliverAsync, TimeProvider.System, InboxTestKit.FastRetries(), kit.Signal,
            metrics: new GatewayMetrics(meters));
        await worker.StartAsync(CancellationToken.None);

        await writer.AdmitAsync(InboxTestKit.Message("outage", "A"), CancellationToken.None);
        await writer.AdmitAsync(InboxTestKit.Message("refused", "B"), CancellationToken.None);

        await metrics.WaitForAsync("dsn.gateway.dead_letters", m => m.Tags["stage"] == "delivery");
        await metrics.WaitForAsync("dsn.gateway.delivery.lag");
        metrics.Of("dsn.gateway.delivery.retries").Should().HaveCount(2);
        metrics.Of("dsn.gateway.delivery.lag").Should().ContainSingle("only the delivered message has a lag");
    }
}
