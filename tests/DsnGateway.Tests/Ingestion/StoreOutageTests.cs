using System.Net;
using DsnGateway.Fhir.Serialization;
using DsnGateway.Ingestion;
using DsnGateway.RecordStore;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Task = System.Threading.Tasks.Task;

namespace DsnGateway.Tests.Ingestion;

/// <summary>
/// The record store behind the gateway goes down: legacy systems keep being answered AA (the inbox holds the
/// messages), and when the store returns every message is delivered, one patient's in the order received.
/// </summary>
public sealed class StoreOutageTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "dsn-outage", Guid.NewGuid().ToString("N"));
    private WebApplication? _store;
    private WebApplication _gateway = null!;
    private int _storePort;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        await StartStoreAsync(0);
        _gateway = await GatewayFixture.StartAsync(Path.Combine(_directory, "gateway"), new Dictionary<string, string?>
        {
            ["RecordStore:Mode"] = "Remote",
            ["RecordStore:RemoteUrl"] = $"http://127.0.0.1:{_storePort}",
        }, loadSampleData: false);
    }

    private async Task StartStoreAsync(int port)
    {
        _store = RecordStoreServer.Build(new RecordStoreOptions { DatabasePath = Path.Combine(_directory, "store.db") }, $"http://127.0.0.1:{port}");
        await _store.InitializeAsync();
        await _store.StartAsync();
        _storePort = new Uri(_store.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;
    }

    private async Task StopStoreAsync()
    {
        await _store!.StopAsync();
        await _store.DisposeAsync();
        _store = null;
    }

    public async Task DisposeAsync()
    {
        await _gateway.StopAsync();
        await _gateway.DisposeAsync();
        if (_store is not null) await StopStoreAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task Messages_acknowledged_while_the_store_is_down_arrive_in_order_when_it_returns()
    {
        await StopStoreAsync();
        var mrn = "NIMOUT" + Guid.NewGuid().ToString("N")[..8];
        var names = new[] { "Un", "Deux", "Trois", "Quatre" };
        var endpoint = await _gateway.Services.GetRequiredService<MllpListener>().BoundEndpoint;
        await using (var sender = await MllpTestClient.ConnectAsync(endpoint))
        {
            for (var i = 0; i < names.Length; i++)
            {
                var ack = await sender.SendAsync(AdtMessages.Utf8(AdtMessages.A01("ADT_NIM", "NIM", $"OUT{i}{mrn}", $"{mrn}^^^NIM^MR",
                    $"Panne^{names[i]}", "1980", "U", time: $"2026112010{i:D2}00", trigger: i == 0 ? "A01" : "A08")));
                AdtMessages.AckCode(ack).Should().Be("AA", "the inbox accepts while the store is down");
            }
        }

        await StartStoreAsync(_storePort);

        using var store = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_storePort}/") };
        Patient? patient = null;
        for (var attempt = 0; attempt < 600 && patient?.Name[0].Given.FirstOrDefault() != "Quatre"; attempt++)
        {
            var bundle = FhirJson.Parse<Bundle>(await store.GetStringAsync($"Patient?identifier=urn:dsn:mrn:nim|{mrn}"));
            patient = bundle.Entry.Select(e => e.Resource).OfType<Patient>().SingleOrDefault();
            if (patient?.Name[0].Given.FirstOrDefault() != "Quatre") await Task.Delay(100);
        }
        patient.Should().NotBeNull();
        patient!.Name[0].Given.Should().Equal("Quatre");
        var history = FhirJson.Parse<Bundle>(await store.GetStringAsync($"Patient/{patient.Id}/_history"));
        history.Entry.Select(e => ((Patient)e.Resource!).Name[0].Given.First()).Reverse().Should().Equal(names, "applied once each, in the order received");
    }
}
