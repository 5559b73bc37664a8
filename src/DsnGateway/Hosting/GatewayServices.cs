using DsnGateway.OptionsValidation;
using DsnGateway.Authentication;
using DsnGateway.Authorization;
using DsnGateway.EmbeddedStore;
using DsnGateway.Ingestion;
using DsnGateway.Ingestion.Csv;
using DsnGateway.Observability;
using DsnGateway.Proxy;
using DsnGateway.StoreCredentials;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;
using DsnGateway.Runtime;

namespace DsnGateway.Hosting;

/// <summary>
/// The one composition root: the gateway's services by capability, registered the same way by the server
/// (<see cref="GatewayApplication"/>) and by the commands (<see cref="Cli.CommandHost"/>), over the same configuration
/// sources. A command registers only the capabilities it uses, and starts only their hosted services.
/// </summary>
internal static class GatewayServices
{
    /// <summary>What every part stands on: the paths, the clock, and every options class of the gateway, validated.</summary>
    public static IServiceCollection AddGatewayCore(this IServiceCollection services, GatewayPaths paths, IConfiguration configuration, GatewaySettings? settings = null)
    {
        services.AddSingleton(paths);
        services.AddSingleton(TimeProvider.System);
        return services.AddGatewayOptions(configuration, settings);
    }

    /// <summary>
    /// Every options class bound from its section and validated at start (<c>ValidateOnStart</c>), each problem one line
    /// naming its key. The command line's --urls and --mllp replace the configured addresses when they are addresses
    /// (when they are not, the command line is refused as a usage error, and the configured ones are still checked).
    /// </summary>
    public static IServiceCollection AddGatewayOptions(this IServiceCollection services, IConfiguration configuration, GatewaySettings? settings = null)
    {
        services.AddValidatedOptions<GatewayOptions, GatewayOptionsProblems>(configuration, GatewayOptions.Section);
        services.AddValidatedOptions<RecordStoreConnectionOptions, RecordStoreConnectionProblems>(configuration, RecordStoreConnectionOptions.Section);
        services.AddValidatedOptions<StoreCredentialsOptions, StoreCredentialsOptionsProblems>(configuration, StoreCredentialsOptions.Section);
        services.AddValidatedOptions<GatewayAuthenticationOptions, GatewayAuthenticationOptionsProblems>(configuration, GatewayAuthenticationOptions.Section);
        services.AddValidatedOptions<AccessOptions, AccessOptionsProblems>(configuration, AccessOptions.Section);
        services.AddValidatedOptions<IngestionOptions, IngestionOptionsProblems>(configuration, IngestionOptions.Section);
        services.AddValidatedOptions<DeliveryOptions, DeliveryOptionsProblems>(configuration, DeliveryOptions.Section);
        services.AddValidatedOptions<TelemetryOptions, TelemetryOptionsProblems>(configuration, TelemetryOptions.Section);
        if (settings?.Urls is { } urls && StartupChecks.IsListenAddress(urls))
            services.PostConfigure<GatewayOptions>(o => o.Urls = urls);
        if (settings?.Mllp is { } mllp && StartupChecks.IsMllpEndpoint(mllp))
            services.PostConfigure<IngestionOptions>(o => o.Mllp.Endpoint = mllp);
        return services;
    }

    /// <summary>
    /// The options checked before anything is created: the same registrations in a container of their own, every
    /// problem at once. Dispose it when the values have been read.
    /// </summary>
    public static CheckedOptions CheckOptions(IConfiguration configuration, IHostEnvironment environment, GatewaySettings? settings = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton(environment);
        services.AddGatewayOptions(configuration, settings);
        return new CheckedOptions(services.BuildServiceProvider());
    }

    /// <summary>The embedded record store over &lt;data-dir&gt;/records.db, started; null when the store is remote.</summary>
    public static async Task<EmbeddedRecordStore?> StartEmbeddedStoreAsync(GatewayPaths paths, RecordStoreConnectionOptions connection,
        ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        if (connection.Mode != RecordStoreMode.Embedded) return null;
        var embedded = new EmbeddedRecordStore(paths.InData(connection.DatabaseFile), loggerFactory);
        try
        {
            await embedded.StartAsync(cancellationToken);
        }
        catch
        {
            await embedded.DisposeAsync();
            throw;
        }
        return embedded;
    }

    /// <summary>
    /// The record store as every door of the gateway reaches it (the proxy, the checks, delivery, the commands): the
    /// embedded store in process or the remote one with the gateway's own credentials, and <see cref="RecordStoreClient"/>.
    /// </summary>
    public static StoreAccessTokens? AddRecordStoreAccess(this IServiceCollection services, IConfiguration configuration,
        RecordStoreConnectionOptions connection, EmbeddedRecordStore? embedded, ILoggerFactory loggerFactory)
    {
        if (embedded is not null) services.AddSingleton(embedded);
        var credentials = services.AddStoreCredentials(configuration, connection, loggerFactory);
        services.AddSingleton<IForwarderHttpClientFactory>(new RecordStoreClientFactory(embedded, credentials));
        services.AddSingleton<RecordStoreClient>();
        return credentials;
    }

    /// <summary>
    /// HL7 v2 and CSV intake into the durable inbox: the configuration files (read and checked once, before), identity
    /// conflicts, the intake, the dead letters' replay and the inbox. Delivery and the MLLP listener are the server's.
    /// </summary>
    public static IServiceCollection AddIntake(this IServiceCollection services, GatewayPaths paths, IngestionFiles files)
    {
        services.AddIngestionFiles(files);
        services.AddSingleton<IdentityConflicts>();
        services.AddSingleton<Hl7Intake>();
        services.AddSingleton<DeadLetterReplay>();
        return services.AddInbox(paths);
    }
}

/// <summary>The gateway's options as checked before the start: every problem, and the values of the sections that are valid.</summary>
internal sealed class CheckedOptions(ServiceProvider provider) : IDisposable
{
    public IReadOnlyList<string> Problems { get; } = ValidatedOptions.Problems(provider);

    /// <summary>The section's value, or null when it has a problem (listed in <see cref="Problems"/>).</summary>
    public T? ValueOrNull<T>()
        where T : class
    {
        try
        {
            return provider.GetRequiredService<IOptionsMonitor<T>>().CurrentValue;
        }
        catch (Exception ex) when (ex is OptionsValidationException or InvalidOperationException)
        {
            return null;
        }
    }

    public void Dispose() => provider.Dispose();
}
