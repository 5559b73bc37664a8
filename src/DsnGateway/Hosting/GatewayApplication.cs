using DsnGateway.EmbeddedStore;
using DsnGateway.Health;
using DsnGateway.Observability;
using DsnGateway.Proxy;
using DsnGateway.SampleData;
using Microsoft.AspNetCore.DataProtection;

using Serilog.Extensions.Logging;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Forwarder;

namespace DsnGateway.Hosting;

/// <summary>
/// Builds the gateway: configuration from the config directory, environment (DSN_ prefix) and the command
/// line; Serilog; the record store (embedded or remote) behind YARP at /fhir; health endpoints.
/// </summary>
public static partial class GatewayApplication
{
    public static async Task<WebApplication> BuildAsync(GatewaySettings settings, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            EnvironmentName = settings.EnvironmentName
                ?? Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT")
                ?? Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT")
                ?? Environments.Production,
            ContentRootPath = AppContext.BaseDirectory,
        });
        var paths = settings.Paths;
        Directory.CreateDirectory(paths.DataDirectory);

        builder.Configuration.Sources.Clear();
        builder.Configuration
            .AddJsonFile(Path.Combine(paths.ConfigDirectory, "gateway.json"), optional: false, reloadOnChange: false)
            .AddJsonFile(Path.Combine(paths.ConfigDirectory, $"gateway.{builder.Environment.EnvironmentName}.json"), optional: true, reloadOnChange: false)
            .AddEnvironmentVariables("DSN_")
            .AddInMemoryCollection(settings.Overrides);

        var gateway = builder.Configuration.GetSection(GatewayOptions.Section).Get<GatewayOptions>() ?? new GatewayOptions();
        var storeConnection = builder.Configuration.GetSection(RecordStoreConnectionOptions.Section).Get<RecordStoreConnectionOptions>() ?? new RecordStoreConnectionOptions();
        builder.Services.Configure<GatewayOptions>(builder.Configuration.GetSection(GatewayOptions.Section));
        builder.Services.Configure<RecordStoreConnectionOptions>(builder.Configuration.GetSection(RecordStoreConnectionOptions.Section));
        builder.Services.AddSingleton(paths);
        // ASP.NET's key ring is state too: it lives in the data directory, not the user's home.
        builder.Services.AddDataProtection()
            .SetApplicationName("DsnGateway")
            .PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(paths.DataDirectory, "keys", "data-protection")));

        var serilog = GatewayLogging.Create(builder.Configuration, paths.LogDirectory);
        builder.Logging.ClearProviders();
        Serilog.SerilogLoggingBuilderExtensions.AddSerilog(builder.Logging, serilog, dispose: true);
        var loggerFactory = new SerilogLoggerFactory(serilog);
        var startupLog = loggerFactory.CreateLogger("DsnGateway.Startup");

        DevelopmentOnly.Check(builder.Environment, settings, storeConnection);

        builder.WebHost.UseUrls(settings.Urls ?? gateway.Urls);
        builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);

        EmbeddedRecordStore? embedded = null;
        if (storeConnection.Mode == RecordStoreMode.Embedded)
        {
            var databasePath = paths.InData(storeConnection.DatabaseFile);
            var fresh = !File.Exists(databasePath);
            embedded = new EmbeddedRecordStore(databasePath, loggerFactory);
            await embedded.StartAsync(cancellationToken);
            builder.Services.AddSingleton(embedded);
            if (fresh && settings.LoadSampleData)
            {
                await SampleDataLoader.LoadAsync(embedded.Services, paths.ConfigDirectory, startupLog, cancellationToken);
            }
        }
        Log.Started(startupLog, builder.Environment.EnvironmentName, storeConnection.Mode.ToString(), paths.DataDirectory);

        var storeBase = RecordStoreRoute.StoreBase(storeConnection);
        builder.Services.AddSingleton(new LinkRewriter(storeBase));
        builder.Services.AddSingleton<IForwarderHttpClientFactory>(new RecordStoreClientFactory(embedded));
        var proxy = builder.Services.AddReverseProxy()
            .LoadFromMemory([RecordStoreRoute.Route()], [RecordStoreRoute.Cluster(storeBase)])
            .AddTransforms<LinkRewritingTransform>();
        if (storeConnection.RemoteAuthorization is { Length: > 0 } authorization)
        {
            proxy.AddTransforms(t => t.AddRequestHeader("Authorization", authorization, append: false));
        }

        var app = builder.Build();
        app.UseMiddleware<RequestLoggingMiddleware>();
        app.MapHealth();
        app.MapReverseProxy();
        if (embedded is not null)
        {
            app.Lifetime.ApplicationStopped.Register(() => embedded.DisposeAsync().AsTask().GetAwaiter().GetResult());
        }
        return app;
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "DSN gateway starting: environment {Environment}, record store {StoreMode}, data in {DataDirectory}")]
        public static partial void Started(ILogger logger, string environment, string storeMode, string dataDirectory);
    }
}
