using System.Net;
using DsnGateway.Fhir.Serialization;
using DsnGateway.Ingestion;
using Hl7.Fhir.Model;
using Microsoft.Extensions.DependencyInjection;
using Task = System.Threading.Tasks.Task;

namespace DsnGateway.Tests.Ingestion;

/// <summary>MLLP connections as a hospital's interface engines use them: many at once, some left idle.</summary>
public abstract class MllpConnectionTestBase : IAsyncLifetime
{
    private readonly int _idleTimeoutSeconds;
    private readonly int? _frameTimeoutSeconds;
    private readonly string _data = Path.Combine(Path.GetTempPath(), "dsn-mllp-connections", Guid.NewGuid().ToString("N"));
    private Microsoft.AspNetCore.Builder.WebApplication _gateway = null!;
    private HttpClient _clinician = null!;

    protected MllpConnectionTestBase(int idleTimeoutSeconds, int? frameTimeoutSeconds = null)
    {
        _idleTimeoutSeconds = idleTimeoutSeconds;
        _frameTimeoutSeconds = frameTimeoutSeconds;
    }

    protected HttpClient Clinician => _clinician;

    protected string DataDirectory => _data;

    protected IServiceProvider Services => _gateway.Services;

    public async Task InitializeAsync()
    {
        var settings = new Dictionary<string, string?> { ["Ingestion:Mllp:IdleTimeoutSeconds"] = _idleTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        if (_frameTimeoutSeconds is { } frame) settings["Ingestion:Mllp:FrameTimeoutSeconds"] = frame.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _gateway = await GatewayFixture.StartAsync(_data, settings, loadSampleData: false);
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

    protected Task<IPEndPoint> Endpoint => _gateway.Services.GetRequiredService<MllpListener>().BoundEndpoint;
}

/// <summary>
/// Many senders at once. The idle timeout is the default here: under a loaded test run a sender may take more
/// than a second between an ACK and its next frame, and closing it then is the idle test's business, not this one's.
/// </summary>
public sealed class MllpConcurrentSendersTests() : MllpConnectionTestBase(idleTimeoutSeconds: 300)
{
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
            var bundle = FhirJson.Parse<Bundle>(await Clinician.GetStringAsync("fhir/Patient?family=concurrent&_summary=count"));
            if (bundle.Total == 80) return;
            await Task.Delay(50);
        }
        throw new Xunit.Sdk.XunitException("not every acknowledged message reached the record store");
    }
}

/// <summary>A connection left silent is closed (the timeout shortened to one second so the test is quick).</summary>
public sealed class MllpIdleTimeoutTests() : MllpConnectionTestBase(idleTimeoutSeconds: 1)
{
    [Fact]
    public async Task An_idle_connection_is_closed_after_the_idle_timeout()
    {
        await using var client = await MllpTestClient.ConnectAsync(await Endpoint);

        (await client.IsClosedByPeerAsync()).Should().BeTrue();
    }
}
