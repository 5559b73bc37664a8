using System.Net.Http.Headers;
using Task = System.Threading.Tasks.Task;
using DsnGateway.Tests.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace DsnGateway.Tests.Proxy;

/// <summary>
/// A remote record store that requires the gateway's own token, as the credential tests of both modes (OpenID client
/// credentials and Entra ID) need it: the <c>store</c> command in a process of its own, accepting only tokens of the
/// given provider for its audience; a <see cref="StoreTap"/> in front of it noting the Authorization header each request
/// carried; and a gateway (Kestrel, Remote mode, through the tap) that each test starts with the credentials it needs.
/// </summary>
internal sealed class CredentialedStoreRig : IAsyncDisposable
{
    private readonly GatewayProcess _store;

    private CredentialedStoreRig(string directory, TestOpenIdProvider provider, GatewayProcess store, Uri storeUri, StoreTap tap)
    {
        Directory = directory;
        Provider = provider;
        _store = store;
        StoreUri = storeUri;
        Tap = tap;
    }

    public string Directory { get; }

    public TestOpenIdProvider Provider { get; }

    /// <summary>The store process itself, bypassing the tap.</summary>
    public Uri StoreUri { get; }

    public StoreTap Tap { get; }

    public WebApplication? Gateway { get; private set; }

    /// <summary>A clinician of the gateway's development issuer, once the gateway is started.</summary>
    public HttpClient Clinician { get; private set; } = null!;

    public string ClinicianToken { get; private set; } = "";

    public string GatewayData => Path.Combine(Directory, "gateway");

    /// <param name="name">Names the temporary directory, removed on disposal.</param>
    /// <param name="provider">Started by the caller, owned by the rig from here on.</param>
    /// <param name="storeAuthentication">The store process's environment (its Store:Authentication, certificates).</param>
    public static async Task<CredentialedStoreRig> StartAsync(string name, TestOpenIdProvider provider, IReadOnlyDictionary<string, string> storeAuthentication)
    {
        var directory = Path.Combine(Path.GetTempPath(), name, Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        var store = GatewayProcess.Start(["store", "--urls", "http://127.0.0.1:0", "--data-dir", Path.Combine(directory, "store")],
            variables: new Dictionary<string, string>(storeAuthentication));
        var storeUri = await store.WaitUntilListeningAsync();
        return new CredentialedStoreRig(directory, provider, store, storeUri, await StoreTap.StartAsync(storeUri));
    }

    /// <summary>The gateway in Remote mode through the tap, with these RecordStore:Credentials (keys without the prefix).</summary>
    public async Task StartGatewayAsync(IReadOnlyDictionary<string, string?> credentials)
    {
        var configuration = new Dictionary<string, string?>
        {
            ["RecordStore:Mode"] = "Remote",
            ["RecordStore:RemoteUrl"] = Tap.Url,
            ["RecordStore:Credentials:RetryAfterFailureSeconds"] = "0",
            // The first token (MSAL or Duende, a certificate read, all JIT-compiled) took over the default 10 s on a
            // 2-core machine running other builds: these tests are about who gets which token, not about that deadline.
            ["RecordStore:Credentials:TimeoutSeconds"] = "60",
        };
        foreach (var (key, value) in credentials) configuration["RecordStore:Credentials:" + key] = value;
        Gateway = await GatewayFixture.StartAsync(GatewayData, configuration, loadSampleData: false);
        var address = Gateway.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        ClinicianToken = GatewayFixture.IssueToken(Gateway.Services);
        Clinician = new HttpClient { BaseAddress = new Uri(address.TrimEnd('/') + "/") };
        Clinician.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ClinicianToken);
    }

    public async ValueTask DisposeAsync()
    {
        Clinician?.Dispose();
        if (Gateway is not null)
        {
            await Gateway.StopAsync();
            await Gateway.DisposeAsync();
        }
        await Tap.DisposeAsync();
        await _store.DisposeAsync();
        await Provider.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
