using DsnGateway.RecordStore;
using DsnGateway.RecordStore.Storage;
using Microsoft.AspNetCore.Hosting.Server;

namespace DsnGateway.EmbeddedStore;

/// <summary>
/// The record store hosted inside the gateway process (the default): the same FHIR server a remote
/// deployment runs, behind an <see cref="InMemoryServer"/> instead of a socket.
/// </summary>
internal sealed class EmbeddedRecordStore : IAsyncDisposable
{
    /// <summary>The address the proxy and the store use for each other; it resolves nowhere on the network.</summary>
    public static readonly Uri BaseAddress = new("http://record-store.embedded/");

    private readonly WebApplication _app;
    private readonly InMemoryServer _server = new();

    public EmbeddedRecordStore(string databasePath, ILoggerFactory loggerFactory)
    {
        DatabasePath = databasePath;
        _app = RecordStoreServer.Build(new RecordStoreOptions { DatabasePath = databasePath }, "http://127.0.0.1:0", configure: builder =>
        {
            builder.Services.AddSingleton<IServer>(_server);
            // The gateway owns the process lifetime (Ctrl+C, SIGTERM); the store stops when the gateway does.
            builder.Services.AddSingleton<IHostLifetime, HostedByGatewayLifetime>();
            builder.Logging.ClearProviders();
            builder.Services.AddSingleton(loggerFactory);
        });
    }

    public string DatabasePath { get; }

    public IServiceProvider Services => _app.Services;

    public IResourceRepository Repository => _app.Services.GetRequiredService<IResourceRepository>();

    public HttpMessageHandler CreateHandler() => _server.CreateHandler();

    /// <summary>Runs one request through the store's pipeline, in process (the proxy's <c>EmbeddedForwarder</c>).</summary>
    internal Task<InMemoryResponse> ProcessAsync(Microsoft.AspNetCore.Http.Features.HttpRequestFeature request, CancellationToken cancellationToken) =>
        _server.ProcessAsync(request, cancellationToken);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _app.InitializeAsync(cancellationToken);
        await _app.StartAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => _app.StopAsync(cancellationToken);

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}

/// <summary>A lifetime that neither listens for signals nor prints status: the gateway's lifetime does both.</summary>
internal sealed class HostedByGatewayLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
