using System.Net;
using DsnGateway.Fhir.Model;
using DsnGateway.Fhir.Serialization;
using DsnGateway.Ingestion;
using Microsoft.Extensions.DependencyInjection;

namespace DsnGateway.Tests.Ingestion;

/// <summary>MLLP connections as a hospital's interface engines use them: many at once, some left idle.</summary>
public sealed class MllpConnectionTests : IAsyncLifetime
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "dsn-mllp-connections", Guid.NewGuid().ToString("N"));
    private Microsoft.AspNetCore.Builder.WebApplication _gateway = null!;
    private HttpClient _clinician = null!;

    public async Task InitializeAsync()
    {
        _gateway = await GatewayFixture.StartAsync(_data, new Dictionary<string, string?> { ["Ingestion:Mllp:IdleTimeoutSeconds"] = "1" }, loadSampleData: false);
        var address = _gateway.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.First();
        _clinician = new HttpClient { BaseAddress = new Uri(address.TrimEnd('/') + "/") };
        _clinician.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", GatewayFixture.IssueToken(_gateway.Services));
    }

    public async Task DisposeAsync()
    {
        _clinician.Dispose();
        await _gateway.StopAsync();
        await _gateway.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_data, recursive: true); } catch (IOException) { }
    }

    private Task<IPEndPoint> Endpoint => _gateway.Services.GetRequiredService<MllpListener>().BoundEndpoint;

    [Fact]
    public async Task Concurrent_senders_are_all_answered_and_every_message_is_applied()
    {
        var endpoint = await Endpoint;
        var run = Guid.NewGuid().ToString("N")[..6].ToUpperInvariant();
        var senders = Enumerable.Range(0, 8).Select(async s =>
        {
            await using var client = await MllpTestClient.ConnectAsync(endpoint);
            for (var m = 0; m < 10; m++)
            {
                var ack = await client.SendAsync(AdtMessages.Utf8(AdtMessages.A01("ADT_NIM", "NIM", $"C{run}{s}{m}", $"NIMC{run}{s:D2}{m:D2}^^^NIM^MR", "Concurrent^Sender", "1980", "U")));
                AdtMessages.AckCode(ack).Should().Be("AA");
            }
        });
        await Task.WhenAll(senders);

        for (var attempt = 0; attempt < 300; attempt++)
        {
            var bundle = FhirJson.Parse<Bundle>(await _clinician.GetStringAsync("fhir/Patient?family=concurrent&_summary=count"));
            if (bundle.Total == 80) return;
            await Task.Delay(50);
        }
        throw new Xunit.Sdk.XunitException("not every acknowledged message reached the record store");
    }

    [Fact]
    public async Task An_idle_connection_is_closed_after_the_idle_timeout()
    {
        await using var client = await MllpTestClient.ConnectAsync(await Endpoint);

        (await client.IsClosedByPeerAsync()).Should().BeTrue();
    }
}
