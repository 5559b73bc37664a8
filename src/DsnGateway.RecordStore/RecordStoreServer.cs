using DsnGateway.RecordStore.Http;
using DsnGateway.RecordStore.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace DsnGateway.RecordStore;

/// <summary>
/// The record store on its own: a FHIR R4 server on Kestrel over one SQLite file. The gateway hosts the same
/// endpoints in-process (embedded mode); this is the store for a deployment that runs it apart.
/// </summary>
public static class RecordStoreServer
{
    /// <param name="configure">Last word on the host: the gateway swaps Kestrel for its in-memory server here.</param>
    /// <param name="environmentName">The host's environment (the store run alone takes DOTNET_ENVIRONMENT's); Production unless given.</param>
    public static WebApplication Build(RecordStoreOptions options, string urls, string prefix = "", Action<WebApplicationBuilder>? configure = null, string? environmentName = null)
    {
        // The content root is the program's folder, never the working directory: a configuration watcher over a
        // folder holding the data directory would wake on every database write.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            EnvironmentName = environmentName ?? Environments.Production,
            ContentRootPath = AppContext.BaseDirectory,
        });
        // Everything the store needs comes in through its options; no configuration files, no watchers.
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection();
        builder.WebHost.UseUrls(urls);
        configure?.Invoke(builder);
        builder.Services.AddRecordStore(o =>
        {
            o.DatabasePath = options.DatabasePath;
            o.PublicBaseUrl = options.PublicBaseUrl;
            o.MaxRequestBodyBytes = options.MaxRequestBodyBytes;
        });
        var app = builder.Build();
        app.MapRecordStore(prefix);
        return app;
    }

    /// <summary>Creates the database schema; call once before serving.</summary>
    public static Task InitializeAsync(this WebApplication app, CancellationToken cancellationToken = default) =>
        app.Services.GetRequiredService<IResourceRepository>().InitializeAsync(cancellationToken);
}
