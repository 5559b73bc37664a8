using System.Net;
using WireMock.ResponseBuilders;

namespace DsnGateway.Tests.Proxy;

/// <summary>
/// A real record store behind WireMock, the gateway in Remote mode in front with a deadline of a few seconds. The store
/// goes wrong in the ways a real one cannot be made to on demand: too slow, 5xx, malformed JSON, a response with no
/// body or a garbled one. Each time the gateway answers by itself, with 502, 503 or 504 and an OperationOutcome,
/// audits the failure, and serves the next read once the store is well again.
/// </summary>
public sealed class RemoteStoreFaultTests(FaultyStore store) : IClassFixture<FaultyStore>
{
    private const string Practitioner = """{"resourceType":"Practitioner","id":"faulty","name":[{"family":"Faulty"}]}""";

    /// <summary>The store's failures on a proxied read (no check before it): what the caller must get for each.</summary>
    public static TheoryData<string, HttpStatusCode> ProxiedFaults => new()
    {
        { "slower than the deadline", HttpStatusCode.GatewayTimeout },
        { "500", HttpStatusCode.BadGateway },
        { "502", HttpStatusCode.BadGateway },
        { "503", HttpStatusCode.ServiceUnavailable },
        { "malformed JSON", HttpStatusCode.BadGateway },
        { "EMPTY_RESPONSE", HttpStatusCode.BadGateway },
        { "MALFORMED_RESPONSE_CHUNK", HttpStatusCode.BadGateway },
    };

    private static IResponseBuilder Fault(string fault) => fault switch
    {
        "slower than the deadline" => FaultyPeer.Json(Practitioner).WithDelay(TimeSpan.FromSeconds(FaultTestGateway.DeadlineSeconds + 5)),
        "500" => FaultyPeer.Json("""{"resourceType":"OperationOutcome","issue":[{"severity":"fatal","code":"exception","diagnostics":"SqliteException at line 42: secret detail"}]}""", 500),
        "502" => Response.Create().WithStatusCode(502).WithBody("<html>bad gateway</html>").WithHeader("Content-Type", "text/html"),
        "503" => FaultyPeer.Json("""{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"transient"}]}""", 503).WithHeader("Retry-After", "1"),
        "malformed JSON" => FaultyPeer.Json("""{"resourceType":"Practitioner","id":"faulty","name":[{"family":"Fau"""),
        "EMPTY_RESPONSE" => FaultyPeer.Json(Practitioner).WithFault(FaultType.EMPTY_RESPONSE),
        "MALFORMED_RESPONSE_CHUNK" => FaultyPeer.Json(Practitioner).WithFault(FaultType.MALFORMED_RESPONSE_CHUNK),
        _ => throw new ArgumentOutOfRangeException(nameof(fault)),
    };

    [Theory]
    [MemberData(nameof(ProxiedFaults))]
    public async Task A_failing_store_behind_a_read_gets_the_gateways_answer_audited_and_the_next_read_succeeds(string fault, HttpStatusCode expected)
    {
        var path = $"fhir/Practitioner/{store.PractitionerId}";
        (await store.Gateway.GetAsync(path)).Status.Should().Be(HttpStatusCode.OK, "the store is well before the fault");

        store.Peer.Fail(FaultyPeer.Requests($"/Practitioner/{store.PractitionerId}"), Fault(fault));
        try
        {
            var failed = await store.Gateway.GetAsync(path);
            await store.Gateway.ShouldFailAuditedAsync(failed, expected);
            failed.Body.Should().NotContain("secret detail", "the store's diagnostics are not the caller's");
            failed.Body.Should().NotContain(store.Peer.Url);
        }
        finally
        {
            store.Peer.Heal();
        }

        var recovered = await store.Gateway.GetAsync(path);
        recovered.Status.Should().Be(HttpStatusCode.OK, recovered.Body);
        recovered.Body.Should().Contain("\"Faulty\"");
    }

    /// <summary>The store's failures while it answers the care-relationship check a patient read needs first: 503, never 500.</summary>
    public static TheoryData<string> CheckFaults => ["slower than the deadline", "500", "malformed JSON", "EMPTY_RESPONSE", "MALFORMED_RESPONSE_CHUNK"];

    [Theory]
    [MemberData(nameof(CheckFaults))]
    public async Task A_store_failing_the_care_relationship_check_is_503_audited_and_the_next_read_succeeds(string fault)
    {
        var path = $"fhir/Patient/{store.PatientId}";
        (await store.Gateway.GetAsync(path)).Status.Should().Be(HttpStatusCode.OK);

        // The check is a search (Patient?_id=…&…&_summary=count); the read itself (Patient/{id}) would be fine.
        store.Peer.Fail(FaultyPeer.Requests("/Patient"), Fault(fault));
        try
        {
            await store.Gateway.ShouldFailAuditedAsync(await store.Gateway.GetAsync(path), HttpStatusCode.ServiceUnavailable);
        }
        finally
        {
            store.Peer.Heal();
        }

        var recovered = await store.Gateway.GetAsync(path);
        recovered.Status.Should().Be(HttpStatusCode.OK, recovered.Body);
        recovered.Body.Should().Contain(store.PatientId);
    }

    [Fact]
    public async Task Readiness_says_not_ready_while_the_store_is_slower_than_its_bound_and_ready_again_once_it_answers()
    {
        store.Peer.Fail(FaultyPeer.Requests("/metadata"), Fault("slower than the deadline"));
        try
        {
            var down = await store.Gateway.GetAsync("readyz");
            down.Status.Should().Be(HttpStatusCode.ServiceUnavailable, down.Body);
            down.Body.Should().Contain("\"recordStore\":\"unreachable\"");
        }
        finally
        {
            store.Peer.Heal();
        }

        var ready = await store.Gateway.GetAsync("readyz");
        ready.Status.Should().Be(HttpStatusCode.OK, ready.Body);
    }

    [Fact]
    public async Task A_search_against_a_store_slower_than_the_deadline_is_504_and_the_next_search_succeeds()
    {
        store.Peer.Fail(FaultyPeer.Requests("/Patient"), Fault("slower than the deadline"));
        try
        {
            await store.Gateway.ShouldFailAuditedAsync(await store.Gateway.GetAsync("fhir/Patient?family=Panne"), HttpStatusCode.GatewayTimeout);
        }
        finally
        {
            store.Peer.Heal();
        }

        var recovered = await store.Gateway.GetAsync("fhir/Patient?family=Panne");
        recovered.Status.Should().Be(HttpStatusCode.OK, recovered.Body);
        recovered.Body.Should().Contain(store.PatientId);
    }
}

/// <summary>
/// What WireMock.Net 1.25 cannot stage (its faults are an empty or a garbled body), on a raw socket: a store that resets
/// the connection, and one that sends its headers at once and then drips its body for longer than the deadline.
/// </summary>
public sealed class RawStoreFaultTests : IAsyncLifetime
{
    private const string Practitioner = """{"resourceType":"Practitioner","id":"raw","name":[{"family":"Goutte-à-goutte"}]}""";

    private RawFaultyPeer _peer = null!;
    private FaultTestGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        _peer = new RawFaultyPeer(Practitioner);
        _gateway = await FaultTestGateway.ForRemoteStoreAsync(_peer.Url);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _peer.DisposeAsync();
    }

    [Theory]
    [InlineData(RawFaultyPeer.Behaviour.ResetConnection, HttpStatusCode.BadGateway)]
    [InlineData(RawFaultyPeer.Behaviour.DripBody, HttpStatusCode.GatewayTimeout)]
    public async Task A_reset_or_a_dripping_store_gets_the_gateways_answer_audited_and_the_next_read_succeeds(RawFaultyPeer.Behaviour behaviour, HttpStatusCode expected)
    {
        (await _gateway.GetAsync("fhir/Practitioner/raw")).Status.Should().Be(HttpStatusCode.OK);

        _peer.Mode = behaviour;
        await _gateway.ShouldFailAuditedAsync(await _gateway.GetAsync("fhir/Practitioner/raw"), expected);

        _peer.Mode = RawFaultyPeer.Behaviour.Normal;
        var recovered = await _gateway.GetAsync("fhir/Practitioner/raw");
        recovered.Status.Should().Be(HttpStatusCode.OK, recovered.Body);
        recovered.Body.Should().Contain("Goutte-à-goutte");
    }
}
