using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using DsnGateway.Audit;
using DsnGateway.RecordStore;
using DsnGateway.Tests.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace DsnGateway.Tests;

/// <summary>
/// WireMock.Net standing in for a peer of the gateway (a record store, an OpenID provider) that fails on demand:
/// in front of a real peer it passes every request through until a test adds a fault, and <see cref="Heal"/> takes
/// the faults away again. Only the fault is mocked; the gateway, and the peer behind, are real.
/// </summary>
public sealed class FaultyPeer : IDisposable
{
    // WireMock tries the lowest priority number first: a fault wins over the pass-through.
    private const int FaultPriority = 1;
    private const int PassThroughPriority = 1000;

    private readonly List<Guid> _faults = [];

    private FaultyPeer() => Server = WireMockServer.Start();

    public WireMockServer Server { get; }

    /// <summary>The peer's address, e.g. http://localhost:54321 (no trailing slash).</summary>
    public string Url => Server.Urls[0].TrimEnd('/');

    /// <summary>A peer answering only what the test maps.</summary>
    public static FaultyPeer Start() => new();

    /// <summary>A peer that passes every request on to <paramref name="realPeer"/> until told to fail.</summary>
    public static FaultyPeer InFrontOf(string realPeer)
    {
        var peer = new FaultyPeer();
        peer.Server.Given(Request.Create().WithPath("/*").UsingAnyMethod()).AtPriority(PassThroughPriority)
            .RespondWith(Response.Create().WithProxy(realPeer.TrimEnd('/')));
        return peer;
    }

    /// <summary>Requests matching <paramref name="request"/> get <paramref name="response"/> until <see cref="Heal"/>.</summary>
    public void Fail(IRequestBuilder request, IResponseBuilder response)
    {
        var id = Guid.NewGuid();
        Server.Given(request).WithGuid(id).AtPriority(FaultPriority).RespondWith(response);
        lock (_faults) _faults.Add(id);
    }

    /// <summary>Back to normal: the faults are gone.</summary>
    public void Heal()
    {
        lock (_faults)
        {
            foreach (var id in _faults) Server.DeleteMapping(id);
            _faults.Clear();
        }
    }

    /// <summary>Every request whose path matches (WireMock wildcards: <c>/*</c> is every path).</summary>
    public static IRequestBuilder Requests(string path = "/*") => Request.Create().WithPath(path).UsingAnyMethod();

    public static IResponseBuilder Json(string json, int status = 200, string contentType = "application/fhir+json") =>
        Response.Create().WithStatusCode(status).WithHeader("Content-Type", contentType).WithBody(json);

    public void Dispose()
    {
        Server.Stop();
        Server.Dispose();
    }
}

/// <summary>
/// What WireMock.Net 1.25 cannot do, on a raw socket: an HTTP peer that resets the connection (RST) on every request,
/// or sends its headers and then drips its body a byte at a time, or answers normally; switched by <see cref="Mode"/>.
/// </summary>
public sealed class RawFaultyPeer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public enum Behaviour
    {
        Normal,
        ResetConnection,
        DripBody,
    }

    public RawFaultyPeer(string normalBody)
    {
        NormalBody = normalBody;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public string NormalBody { get; }

    public Behaviour Mode { get; set; } = Behaviour.Normal;

    public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = Task.Run(() => ServeAsync(socket));
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        try
        {
            using var stream = new NetworkStream(socket, ownsSocket: false);
            var buffer = new byte[8192];
            var request = new StringBuilder();
            while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                var read = await stream.ReadAsync(buffer, _stop.Token);
                if (read == 0) return;
                request.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }
            var body = Encoding.UTF8.GetBytes(NormalBody);
            var head = Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: application/fhir+json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n");
            switch (Mode)
            {
                case Behaviour.ResetConnection:
                    socket.LingerState = new LingerOption(true, 0); // closing now sends RST, not FIN
                    break;
                case Behaviour.DripBody:
                    await stream.WriteAsync(head, _stop.Token);
                    foreach (var b in body)
                    {
                        await stream.WriteAsync(new[] { b }, _stop.Token);
                        await Task.Delay(200, _stop.Token);
                    }
                    break;
                default:
                    await stream.WriteAsync(head.Concat(body).ToArray(), _stop.Token);
                    break;
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            socket.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}

/// <summary>
/// A real gateway in this process (Development, the development issuer trusted) for fault tests, and a client whose
/// own timeout (<see cref="ClientPatience"/>) is many times the deadlines configured here: a test that gets an answer
/// has shown the gateway answers by itself, without timing anything. <see cref="ForRemoteStoreAsync"/> points it at a
/// remote store with a deadline of <see cref="DeadlineSeconds"/>.
/// </summary>
public sealed class FaultTestGateway : IAsyncDisposable
{
    /// <summary>The gateway's deadlines in these tests (RecordStore:TimeoutSeconds, Authentication:BackchannelTimeoutSeconds).</summary>
    public const double DeadlineSeconds = 3;

    /// <summary>How long the test client waits before it would call the gateway hung: many deadlines.</summary>
    public static readonly TimeSpan ClientPatience = TimeSpan.FromSeconds(30);

    private readonly WebApplication _app;
    private readonly string _dataDirectory;
    private readonly HttpClient _client;

    private FaultTestGateway(WebApplication app, string dataDirectory)
    {
        _app = app;
        _dataDirectory = dataDirectory;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _client = new HttpClient { BaseAddress = new Uri(address.TrimEnd('/') + "/"), Timeout = ClientPatience };
        DevelopmentToken = GatewayFixture.IssueToken(app.Services);
    }

    /// <summary>A development token of a NIM clinician with user/*.cruds: what requests carry unless told otherwise.</summary>
    public string DevelopmentToken { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<FaultTestGateway> StartAsync(IReadOnlyDictionary<string, string?> overrides, bool loadSampleData = false)
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "dsn-faults", Guid.NewGuid().ToString("N"));
        return new FaultTestGateway(await GatewayFixture.StartAsync(dataDirectory, overrides, loadSampleData), dataDirectory);
    }

    public static Task<FaultTestGateway> ForRemoteStoreAsync(string storeUrl) => StartAsync(new Dictionary<string, string?>
    {
        ["RecordStore:Mode"] = "Remote",
        ["RecordStore:RemoteUrl"] = storeUrl,
        ["RecordStore:TimeoutSeconds"] = DeadlineSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
    });

    /// <summary>Sends with a bearer token (the development one unless given) and a fresh X-Request-Id, which the audit record carries.</summary>
    public async Task<FaultAnswer> SendAsync(HttpMethod method, string path, string? json = null, string? token = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/fhir+json");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token ?? DevelopmentToken);
        var requestId = "fault-" + Guid.NewGuid().ToString("N");
        request.Headers.Add("X-Request-Id", requestId);
        using var response = await _client.SendAsync(request);
        return new FaultAnswer(response.StatusCode, await response.Content.ReadAsStringAsync(), response.Content.Headers.ContentType?.MediaType, requestId);
    }

    public Task<FaultAnswer> GetAsync(string path, string? token = null) => SendAsync(HttpMethod.Get, path, token: token);

    /// <summary>Creates a resource through the gateway and returns its id.</summary>
    public async Task<string> CreateAsync(string resourceType, string json)
    {
        var created = await SendAsync(HttpMethod.Post, $"fhir/{resourceType}", json);
        created.Status.Should().Be(HttpStatusCode.Created, created.Body);
        return JsonNode.Parse(created.Body)!["id"]!.GetValue<string>();
    }

    /// <summary>The AuditEvent the gateway wrote for one request, read from its audit store.</summary>
    public async Task<JsonObject?> AuditEventAsync(string requestId)
    {
        var page = await Services.GetRequiredService<AuditSearch>().SearchAsync(new AuditSearchQuery { Count = AuditSearchQuery.MaxCount }, CancellationToken.None);
        return page.Matches.Select(m => JsonNode.Parse(m.Json)!.AsObject()).SingleOrDefault(e => OpenIdGateway.RequestIdOf(e) == requestId);
    }

    /// <summary>
    /// What a failure of a peer must give: this status, an OperationOutcome (never the peer's own words), and an audit
    /// record of the request with the failure outcome (8, serious failure) and the status.
    /// </summary>
    public async Task ShouldFailAuditedAsync(FaultAnswer answer, HttpStatusCode status)
    {
        answer.Status.Should().Be(status, answer.Body);
        answer.ContentType.Should().Be("application/fhir+json");
        var outcome = JsonNode.Parse(answer.Body)!.AsObject();
        outcome["resourceType"]!.GetValue<string>().Should().Be("OperationOutcome");
        outcome["issue"]![0]!["severity"]!.GetValue<string>().Should().Be("error");
        var audit = await AuditEventAsync(answer.RequestId);
        audit.Should().NotBeNull($"the failed request {answer.RequestId} must be audited");
        audit!["outcome"]!.GetValue<string>().Should().Be("8");
        audit["outcomeDesc"]!.GetValue<string>().Should().StartWith($"HTTP {(int)status}");
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dataDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

public sealed record FaultAnswer(HttpStatusCode Status, string Body, string? ContentType, string RequestId);

/// <summary>
/// A real record store behind a <see cref="FaultyPeer"/>, and a <see cref="FaultTestGateway"/> in Remote mode in front of the peer,
/// holding a patient of NIM and a practitioner created through the gateway.
/// </summary>
public sealed class FaultyStore : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "dsn-faults", Guid.NewGuid().ToString("N"));
    private WebApplication _real = null!;

    /// <summary>The real store's own address, for a test to look behind the peer.</summary>
    public string RealUrl { get; private set; } = "";

    public FaultyPeer Peer { get; private set; } = null!;

    public FaultTestGateway Gateway { get; private set; } = null!;

    /// <summary>A patient of NIM (read after a care-relationship check) and a practitioner (read without one).</summary>
    public string PatientId { get; private set; } = "";

    public string PractitionerId { get; private set; } = "";

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        _real = RecordStoreServer.Build(new RecordStoreOptions { DatabasePath = Path.Combine(_directory, "store.db") }, "http://127.0.0.1:0");
        await _real.InitializeAsync();
        await _real.StartAsync();
        RealUrl = _real.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        Peer = FaultyPeer.InFrontOf(RealUrl);
        Gateway = await FaultTestGateway.ForRemoteStoreAsync(Peer.Url);
        // WireMock's first answer takes a second or more here (it warms up): not the gateway's deadline to pay.
        using (var warmUp = new HttpClient()) (await warmUp.GetAsync(Peer.Url + "/metadata")).EnsureSuccessStatusCode();
        PatientId = await Gateway.CreateAsync("Patient",
            $$"""{"resourceType":"Patient","identifier":[{"system":"urn:dsn:mrn:nim","value":"FAULT{{Guid.NewGuid():N}}"}],"name":[{"family":"Panne"}]}""");
        PractitionerId = await Gateway.CreateAsync("Practitioner", """{"resourceType":"Practitioner","name":[{"family":"Faulty"}]}""");
    }

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        Peer.Dispose();
        await _real.StopAsync();
        await _real.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}
