using DsnGateway.Admin;
using DsnGateway.Audit;
using DsnGateway.Authentication;
using DsnGateway.Authorization;
using DsnGateway.EmbeddedStore;
using DsnGateway.Ingestion;
using DsnGateway.Ingestion.Csv;
using DsnGateway.Smart;
using Microsoft.Extensions.Options;
using DsnGateway.Health;
using DsnGateway.Observability;
using DsnGateway.Proxy;
using DsnGateway.SampleData;
using DsnGateway.StoreCredentials;
using Microsoft.AspNetCore.DataProtection;
using DsnGateway.Runtime;

using Serilog.Extensions.Logging;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Forwarder;

namespace DsnGateway.Hosting;

/// <summary>
/// Builds the gateway: configuration from the config directory, environment (DSN_ prefix) and the command
/// line, checked before anything is created; then the composition root's capabilities (<see cref="GatewayServices"/>,
/// shared with the commands) and the server's own: Serilog, authentication, access, the audit, delivery and MLLP, the
/// record store behind /fhir, health endpoints.
/// </summary>
internal static partial class GatewayApplication
{
    public static async Task<WebApplication> BuildAsync(GatewaySettings settings, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            EnvironmentName = GatewayConfiguration.EnvironmentName(settings.EnvironmentName),
            ContentRootPath = AppContext.BaseDirectory,
        });
        var paths = settings.Paths;
        var start = CheckBeforeStart(builder, settings);

        // From here on the start has been checked: the data directory is made (private) and held by this process.
        PrivateFiles.Apply();
        PrivateFiles.CreateDirectory(paths.DataDirectory);
        var dataLock = DataDirectoryLock.Acquire(paths.DataDirectory);
        try
        {
            return await BuildCheckedAsync(builder, settings, start, dataLock, cancellationToken);
        }
        catch
        {
            dataLock.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Everything that can be checked before anything is created, every problem listed at once (one line each):
    /// a second gateway on the data directory, the directories, the listen addresses and their ports, the configuration
    /// files, the Production rules. Adds the configuration sources on the way.
    /// </summary>
    private static CheckedStart CheckBeforeStart(WebApplicationBuilder builder, GatewaySettings settings)
    {
        var paths = settings.Paths;
        var usage = new List<string>();
        var problems = new List<string>();
        if (Directory.Exists(paths.DataDirectory) && DataDirectoryLock.HeldElsewhere(paths.DataDirectory) is { } held)
            throw new GatewayStartupException([held]); // the one thing to say: the other problems are that gateway's
        if (settings.Mllp is not null && !StartupChecks.IsMllpEndpoint(settings.Mllp))
            usage.Add($"--mllp '{settings.Mllp}' is not host:port (e.g. 127.0.0.1:2575).");
        if (StartupChecks.DataDirectory(paths.DataDirectory) is { } dataProblem) problems.Add(dataProblem);
        if (StartupChecks.ConfigDirectory(paths.ConfigDirectory) is { } configProblem)
        {
            // Nothing else can be read without the configuration.
            throw new GatewayStartupException([.. usage, .. problems, configProblem], usage.Count > 0);
        }
        try
        {
            builder.Configuration.Sources.Clear();
            builder.Configuration.AddGatewaySources(paths, builder.Environment.EnvironmentName, settings.Overrides);
        }
        catch (InvalidDataException ex)
        {
            throw new GatewayStartupException([.. usage, .. problems, $"{ex.Message} {ex.InnerException?.Message}".Trim()], usage.Count > 0);
        }

        // Every options class, checked with the registrations the server uses (below) and the commands use.
        using var options = GatewayServices.CheckOptions(builder.Configuration, builder.Environment, settings);
        problems.AddRange(options.Problems);
        var gateway = options.ValueOrNull<GatewayOptions>();
        var storeConnection = options.ValueOrNull<RecordStoreConnectionOptions>();
        var ingestion = options.ValueOrNull<IngestionOptions>();
        if (storeConnection is not null) problems.AddRange(DevelopmentOnly.Problems(builder.Environment, settings, storeConnection, builder.Configuration));
        problems.AddRange(AuditCheckpointOptions.From(builder.Configuration).Problems(paths, builder.Environment));
        IngestionFiles? files = null;
        if (ingestion is not null)
        {
            try
            {
                files = IngestionFiles.Load(paths, ingestion);
            }
            catch (GatewayStartupException ex)
            {
                problems.AddRange(ex.Problems);
            }
        }

        // The ports of well-formed addresses (--urls and --mllp replace the configured ones when they are addresses).
        if (settings.Urls is not null && !StartupChecks.IsListenAddress(settings.Urls))
            usage.Add($"--urls '{settings.Urls}' is not a listen address such as http://127.0.0.1:8080.");
        else if (gateway is not null)
            problems.AddRange(StartupChecks.HttpPortProblems(gateway.Urls, "--urls") ?? []);
        if (ingestion is { Mllp.Enabled: true } && (settings.Mllp is null || StartupChecks.IsMllpEndpoint(settings.Mllp))
            && StartupChecks.PortProblem("MLLP", StartupChecks.MllpEndpoint(ingestion.Mllp.Endpoint), "--mllp") is { } busy)
            problems.Add(busy);
        if (usage.Count > 0 || problems.Count > 0) throw new GatewayStartupException([.. usage, .. problems], usage.Count > 0);
        return new CheckedStart(gateway!, storeConnection!, ingestion!, files!);
    }

    /// <summary>What the checks before the start read, used as read: nothing is read twice.</summary>
    private sealed record CheckedStart(GatewayOptions Gateway, RecordStoreConnectionOptions StoreConnection, IngestionOptions Ingestion, IngestionFiles Files);

    private static async Task<WebApplication> BuildCheckedAsync(WebApplicationBuilder builder, GatewaySettings settings, CheckedStart start,
        DataDirectoryLock dataLock, CancellationToken cancellationToken)
    {
        var paths = settings.Paths;
        var (gateway, storeConnection, ingestion, files) = start;
        // First, before anything is started: a key that cannot be read refuses the start (docs/arch/0014).
        var checkpoints = AuditCheckpointOptions.From(builder.Configuration);
        AuditCheckpointKey checkpointKey;
        try
        {
            checkpointKey = AuditCheckpointKey.OpenForSigning(checkpoints.ResolvedKeyPath(paths), checkpoints.MayCreateKey(builder.Environment));
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            throw new GatewayStartupException(ex.Message);
        }
        builder.Services.AddSingleton(_ => dataLock); // made by the container, so released when the app is disposed
        builder.Services.AddGatewayCore(paths, builder.Configuration, settings);
        // ASP.NET's key ring is state too: it lives in the data directory, not the user's home.
        builder.Services.AddDataProtection()
            .SetApplicationName("DsnGateway")
            .PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(paths.DataDirectory, "keys", "data-protection")));

        var serilog = GatewayLogging.Create(builder.Configuration, paths.LogDirectory);
        builder.AddGatewayLogging(serilog);
        builder.Services.AddGatewayTelemetry(builder.Configuration);
        var loggerFactory = new SerilogLoggerFactory(serilog);
        var startupLog = loggerFactory.CreateLogger("DsnGateway.Startup");

        builder.WebHost.UseUrls(gateway.Urls);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            // Header values in UTF-8; X-Break-Glass as raw bytes, read by BreakGlassReason (browsers send Latin-1).
            k.RequestHeaderEncodingSelector = BreakGlassReason.HeaderEncoding;
        });

        var fresh = storeConnection.Mode == RecordStoreMode.Embedded && !File.Exists(paths.InData(storeConnection.DatabaseFile));
        // Before anything opens them: a file this build cannot use is a refused start, one line each.
        var migrations = await GatewayDatabases.MigrateAsync(paths, storeConnection.Mode == RecordStoreMode.Embedded ? storeConnection.DatabaseFile : null, cancellationToken);
        if (migrations.Where(m => m.Refused is not null).Select(m => m.Refused!).ToList() is { Count: > 0 } refused) throw new GatewayStartupException(refused);
        foreach (var migration in migrations)
        {
            if (migration.Upgrade is { Migrated: true } upgrade) Log.SchemaMigrated(startupLog, upgrade.File, upgrade.Before, upgrade.After);
        }

        var embedded = await GatewayServices.StartEmbeddedStoreAsync(paths, storeConnection, loggerFactory, cancellationToken);
        builder.Services.AddRecordStoreAccess(builder.Configuration, storeConnection, embedded, loggerFactory);
        if (embedded is not null)
        {
            builder.Services.AddSingleton(_ => new RecordStoreDataVersion(embedded.DatabasePath)); // made by DI, so disposed with the app
            builder.Services.AddSingleton<EmbeddedForwarder>();
            if (fresh && settings.LoadSampleData)
            {
                await SampleDataLoader.LoadAsync(embedded.Services, paths.ConfigDirectory, startupLog, cancellationToken);
            }
        }
        Log.Started(startupLog, builder.Environment.EnvironmentName, storeConnection.Mode.ToString(), paths.DataDirectory);

        var developmentIssuer = builder.Services.AddGatewayAuthentication(builder.Configuration, builder.Environment, paths);
        if (developmentIssuer is not null) Log.DevelopmentIssuer(startupLog, developmentIssuer.Issuer);
        if (builder.Configuration.GetSection(GatewayAuthenticationOptions.Section).Get<GatewayAuthenticationOptions>() is { IsEntraId: true } inbound)
            Log.EntraIdTenant(startupLog, inbound.EntraId.TenantId!, inbound.EntraId.Audience!, inbound.EntraId.RoleMap.Count, inbound.EntraId.ScopeMap.Count + inbound.EntraId.AppRoleScopes.Count);
        AddFhirAccess(builder.Services);
        builder.Services.AddAccessPolicies();
        var auditBusyTimeout = builder.Configuration.GetValue<double?>("Audit:BusyTimeoutSeconds");
        builder.Services.AddAuditTrail(paths, checkpointKey, checkpoints, auditBusyTimeout is { } seconds ? TimeSpan.FromSeconds(seconds) : null);
        builder.Services.AddGatewayHealthChecks(embeddedStore: embedded is not null);

        AddIngestion(builder, paths, ingestion, files);

        AddRecordStoreProxy(builder.Services, storeConnection);

        var app = builder.Build();
        app.Services.GetRequiredService<DataDirectoryLock>();
        app.UseGatewayRequestLogging(serilog);
        // Routing runs first (WebApplication puts it there), so the gate sees the endpoint and its declaration; ASP.NET's
        // authorization only after it, so every refusal is the gate's (OperationOutcome, WWW-Authenticate, audit).
        app.UseMiddleware<FhirAccessMiddleware>();
        app.UseAuthorization();
        app.MapHealth().AllowAnonymous();
        app.MapSmartEndpoints().AllowAnonymous();
        app.MapAuditEvents().RequireAuthorization(AccessPolicies.FhirRecords);
        app.MapAdmin().RequireAuthorization(AccessPolicies.Administration);
        app.MapIngestion().RequireAuthorization(AccessPolicies.Ingestion);
        app.MapCsvIngestion().RequireAuthorization(AccessPolicies.Ingestion);
        MapRecordStore(app, embedded is not null);
        await MarkConfiguredRestrictionsAsync(app, startupLog, cancellationToken);
        if (embedded is not null)
        {
            app.Lifetime.ApplicationStopped.Register(() => embedded.DisposeAsync().AsTask().GetAwaiter().GetResult());
        }
        return app;
    }

    /// <summary>HL7 v2 intake (MLLP and HTTP), the durable inbox and delivery to the record store.</summary>
    private static void AddIngestion(WebApplicationBuilder builder, GatewayPaths paths, IngestionOptions ingestion, IngestionFiles files)
    {
        builder.Services.AddIntake(paths, files);
        builder.Services.AddSingleton(DeliveryFault.For(builder.Environment));
        builder.Services.AddSingleton<RecordStoreDelivery>();
        builder.Services.AddInboxDelivery(sp => sp.GetRequiredService<RecordStoreDelivery>().DeliverAsync);
        if (ingestion.Mllp.Enabled)
        {
            builder.Services.AddSingleton<MllpListener>();
            builder.Services.AddHostedService(sp => sp.GetRequiredService<MllpListener>());
        }
    }

    /// <summary>Who may see what: the care relationship policy, its remembered decisions, the callers and the restricted patients.</summary>
    private static void AddFhirAccess(IServiceCollection services)
    {
        services.AddSingleton(sp => new VisibilityCache(sp.GetService<RecordStoreDataVersion>()));
        services.AddSingleton<FhirAccessPolicy>();
        services.AddSingleton<CallerIdentityCache>();
        services.AddSingleton<RestrictedPatients>();
    }

    /// <summary>YARP toward the record store (a remote one; the embedded one is called in process), links rewritten to the gateway's.</summary>
    private static void AddRecordStoreProxy(IServiceCollection services, RecordStoreConnectionOptions storeConnection)
    {
        var storeBase = RecordStoreRoute.StoreBase(storeConnection);
        services.AddSingleton(new LinkRewriter(storeBase));
        var proxy = services.AddReverseProxy()
            .LoadFromMemory([RecordStoreRoute.Route()], [RecordStoreRoute.Cluster(storeBase, storeConnection.Timeout)])
            .AddTransforms<LinkRewritingTransform>();
        // The caller's token is for the gateway; the store sees the gateway's own credentials, or none: the client's token
        // (RecordStoreClientFactory puts it on after these transforms) or the configured header.
        proxy.AddTransforms(t =>
        {
            t.AddRequestHeaderRemove("Authorization");
            t.AddRequestHeaderRemove(FhirAccessMiddleware.BreakGlassHeader);
            if (storeConnection.RemoteAuthorization is { Length: > 0 } authorization)
                t.AddRequestHeader("Authorization", authorization, append: false);
        });
    }

    /// <summary>/fhir: in process, the store's pipeline is called directly (ADR 0009); YARP carries it to a remote store.</summary>
    private static void MapRecordStore(WebApplication app, bool embedded)
    {
        if (embedded)
        {
            var forwarder = app.Services.GetRequiredService<EmbeddedForwarder>();
            app.Map(RecordStoreRoute.FhirBasePath + "/{**rest}", forwarder.ForwardAsync).RequireAuthorization(AccessPolicies.FhirRecords);
            return;
        }
        app.MapReverseProxy(pipeline =>
        {
            pipeline.UseSessionAffinity();
            pipeline.UseLoadBalancing();
            pipeline.UsePassiveHealthChecks();
        }).RequireAuthorization(AccessPolicies.FhirRecords);
    }

    /// <summary>Patients listed under Access:RestrictedPatients are marked restricted at every start.</summary>
    private static async Task MarkConfiguredRestrictionsAsync(WebApplication app, ILogger log, CancellationToken cancellationToken)
    {
        var ids = app.Services.GetRequiredService<IOptions<AccessOptions>>().Value.RestrictedPatients;
        var restricted = app.Services.GetRequiredService<RestrictedPatients>();
        foreach (var id in ids)
        {
            var outcome = await restricted.SetAsync(id, true, cancellationToken);
            if (outcome == RestrictedPatients.Outcome.NotFound) Log.RestrictedPatientMissing(log, id);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(2, LogLevel.Warning, "Development token issuer {Issuer} is trusted (Development only)")]
        public static partial void DevelopmentIssuer(ILogger logger, string issuer);

        [LoggerMessage(4, LogLevel.Information, "Inbound tokens: Entra ID tenant {TenantId}, audience {Audience}, {AppRoles} app roles and {ScopeMappings} scope mappings")]
        public static partial void EntraIdTenant(ILogger logger, string tenantId, string audience, int appRoles, int scopeMappings);

        [LoggerMessage(3, LogLevel.Warning, "Access:RestrictedPatients names Patient/{Id}, which the record store does not have")]
        public static partial void RestrictedPatientMissing(ILogger logger, string id);

        [LoggerMessage(5, LogLevel.Information, "Database {File} migrated from schema version {Before} to {After}")]
        public static partial void SchemaMigrated(ILogger logger, string file, int before, int after);

        [LoggerMessage(1, LogLevel.Information, "DSN gateway starting: environment {Environment}, record store {StoreMode}, data in {DataDirectory}")]
        public static partial void Started(ILogger logger, string environment, string storeMode, string dataDirectory);
    }
}
