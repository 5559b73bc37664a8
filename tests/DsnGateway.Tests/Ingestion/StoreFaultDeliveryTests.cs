using DsnGateway.Fhir.Serialization;
using DsnGateway.Ingestion;
using Microsoft.Extensions.DependencyInjection;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace DsnGateway.Tests.Ingestion;

/// <summary>
/// Delivery to a record store that fails in ways a real one cannot be made to on demand (WireMock in front of a real
/// store): the sender still gets AA, the message stays in the inbox (pending, its failed attempts counted, never a dead
/// letter), and once the store is well again the worker delivers it by itself.
/// </summary>
public sealed class StoreFaultDeliveryTests(FaultyStore store) : IClassFixture<FaultyStore>
{
    public static TheoryData<string> Faults => ["503", "slower than the deadline", "a transaction answered 200 without a body"];

    private static (IRequestBuilder Request, IResponseBuilder Response) Fault(string fault) => fault switch
    {
        "503" => (FaultyPeer.Requests(), FaultyPeer.Json("""{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"transient"}]}""", 503)),
        "slower than the deadline" => (FaultyPeer.Requests(),
            FaultyPeer.Json("""{"resourceType":"Bundle","type":"transaction-response"}""").WithDelay(TimeSpan.FromSeconds(FaultTestGateway.DeadlineSeconds + 5))),
        // The searches before it succeed; the transaction's answer is lost: nobody can say it was applied.
        "a transaction answered 200 without a body" => (Request.Create().WithPath("/").UsingPost(),
            FaultyPeer.Json("""{"resourceType":"Bundle","type":"transaction-response","entry":[]}""").WithFault(FaultType.EMPTY_RESPONSE)),
        _ => throw new ArgumentOutOfRangeException(nameof(fault)),
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task A_message_stays_in_the_inbox_while_the_store_fails_and_is_delivered_once_it_recovers(string fault)
    {
        var mrn = "NIMFLT" + Guid.NewGuid().ToString("N")[..10].ToUpperInvariant();
        var controlId = "FLT" + Guid.NewGuid().ToString("N")[..12];
        var (request, response) = Fault(fault);
        store.Peer.Fail(request, response);
        try
        {
            var endpoint = await store.Gateway.Services.GetRequiredService<MllpListener>().BoundEndpoint;
            await using (var sender = await MllpTestClient.ConnectAsync(endpoint))
            {
                var ack = await sender.SendAsync(AdtMessages.Utf8(AdtMessages.A01("ADT_NIM", "NIM", controlId, $"{mrn}^^^NIM^MR", "Panne^Livraison", "19800101", "F")));
                AdtMessages.AckCode(ack).Should().Be("AA", "the inbox accepts while the store fails");
            }

            var inbox = store.Gateway.Services.GetRequiredService<InboxStore>();
            StoredMessage? message = null;
            for (var i = 0; i < 300 && message is not { Attempts: > 0 }; i++)
            {
                message = (await inbox.ListMessagesAsync(CancellationToken.None)).SingleOrDefault(m => m.ControlId == controlId);
                if (message is not { Attempts: > 0 }) await Task.Delay(100);
            }
            message.Should().NotBeNull();
            message!.State.Should().Be(InboxMessageState.Pending, $"a store that failed ({fault}) has not applied it: {message.LastError}");
            message.Attempts.Should().BeGreaterThan(0, "the worker tried and counted the failure");
            (await PatientsInRealStoreAsync(mrn)).Should().Be(0, "the fault stood between the gateway and the store");
        }
        finally
        {
            store.Peer.Heal();
        }

        var delivered = 0;
        for (var i = 0; i < 600 && delivered == 0; i++)
        {
            delivered = await PatientsInRealStoreAsync(mrn);
            if (delivered == 0) await Task.Delay(100);
        }
        delivered.Should().Be(1, "delivered once the store recovered, by the worker alone");
        var settled = (await store.Gateway.Services.GetRequiredService<InboxStore>().ListMessagesAsync(CancellationToken.None)).Single(m => m.ControlId == controlId);
        for (var i = 0; i < 100 && settled.State == InboxMessageState.Pending; i++)
        {
            await Task.Delay(100);
            settled = (await store.Gateway.Services.GetRequiredService<InboxStore>().ListMessagesAsync(CancellationToken.None)).Single(m => m.ControlId == controlId);
        }
        settled.State.Should().Be(InboxMessageState.Delivered);
    }

    private async Task<int> PatientsInRealStoreAsync(string mrn)
    {
        using var real = new HttpClient { BaseAddress = new Uri(store.RealUrl + "/") };
        var bundle = FhirJson.Parse<global::Hl7.Fhir.Model.Bundle>(await real.GetStringAsync($"Patient?identifier=urn:dsn:mrn:nim|{mrn}"));
        return bundle.Entry.Count;
    }
}
