using System.Collections.Concurrent;
using System.Net;
using System.Text;
using DsnGateway.Runtime;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;

namespace DsnGateway.Tests.Observability;

/// <summary>The OTLP exporter: off unless configured, its settings checked before the start, and when on, the
/// gateway's metrics reach the collector.</summary>
public sealed class TelemetryExportTests : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "dsn-telemetry-tests", Guid.NewGuid().ToString("N"));

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Without_an_endpoint_nothing_is_exported()
    {
        await using var app = await GatewayFixture.StartAsync(Path.Combine(_root, "off"), new Dictionary<string, string?>(), loadSampleData: false);

        app.Services.GetService<MeterProvider>().Should().BeNull("the OpenTelemetry SDK is not even started");
    }

    [Theory]
    [InlineData("Telemetry:Otlp:Endpoint", "collector:4317", "Telemetry:Otlp:Endpoint")]
    [InlineData("Telemetry:Otlp:Protocol", "udp", "Telemetry:Otlp:Protocol")]
    [InlineData("Telemetry:Otlp:ExportIntervalSeconds", "0", "Telemetry:Otlp:ExportIntervalSeconds")]
    public async Task A_wrong_telemetry_setting_refuses_the_start_and_names_its_key(string key, string value, string named)
    {
        var start = () => GatewayFixture.StartAsync(Path.Combine(_root, "bad"), new Dictionary<string, string?>
        {
            ["Telemetry:Otlp:Endpoint"] = "http://127.0.0.1:4318/v1/metrics",
            [key] = value,
        }, loadSampleData: false);

        (await start.Should().ThrowAsync<GatewayStartupException>()).Which.Message.Should().Contain(named).And.Contain(value);
    }

    [Fact]
    public async Task With_an_endpoint_the_gateways_metrics_reach_the_collector()
    {
        var received = new ConcurrentQueue<byte[]>();
        await using var collector = await StartCollectorAsync(received);
        var endpoint = collector.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/') + "/v1/metrics";

        await using var app = await GatewayFixture.StartAsync(Path.Combine(_root, "on"), new Dictionary<string, string?>
        {
            ["Telemetry:Otlp:Endpoint"] = endpoint,
            ["Telemetry:Otlp:Protocol"] = "http/protobuf",
            ["Telemetry:Otlp:ExportIntervalSeconds"] = "1",
        }, loadSampleData: false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using (var http = new HttpClient { BaseAddress = new Uri(address) })
            (await http.GetAsync("/healthz")).StatusCode.Should().Be(HttpStatusCode.OK);

        // OTLP is protobuf: metric names and attribute values travel as UTF-8 strings inside it.
        for (var attempt = 0; attempt < 300 && !received.Any(Holds("dsn.gateway.requests")); attempt++) await Task.Delay(100);
        received.Any(Holds("dsn.gateway.requests")).Should().BeTrue("the DsnGateway meter is exported");
        received.Any(Holds("/healthz")).Should().BeTrue("with its route tag");
        received.Any(Holds("dsn-gateway")).Should().BeTrue("under the configured service name");
    }

    private static Func<byte[], bool> Holds(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        return body => body.AsSpan().IndexOf(bytes) >= 0;
    }

    /// <summary>An OTLP/HTTP collector that keeps every body it is sent.</summary>
    private static async Task<WebApplication> StartCollectorAsync(ConcurrentQueue<byte[]> received)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var collector = builder.Build();
        collector.MapPost("/{**path}", async (HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            received.Enqueue(body.ToArray());
            return Results.Ok();
        });
        await collector.StartAsync();
        return collector;
    }
}
