using DsnGateway.Hosting;

namespace DsnGateway.StoreCredentials;

internal static partial class StoreCredentialsServiceCollectionExtensions
{
    /// <summary>
    /// The gateway's client toward a remote store, when <c>RecordStore:Credentials</c> is configured (checked at the start);
    /// null otherwise. One instance per process: every door to the store shares its cached token.
    /// </summary>
    public static StoreAccessTokens? AddStoreCredentials(this IServiceCollection services, IConfiguration configuration,
        RecordStoreConnectionOptions store, ILoggerFactory loggerFactory)
    {
        var options = StoreCredentialsOptions.From(configuration);
        if (store.Mode != RecordStoreMode.Remote || !options.IsConfigured) return null;
        var tokens = new StoreAccessTokens(options, TimeProvider.System, loggerFactory.CreateLogger<StoreAccessTokens>());
        Log.Configured(loggerFactory.CreateLogger(typeof(StoreAccessTokens).FullName!), options.ClientId!, options.TokenEndpoint ?? options.Authority!);
        services.AddSingleton(_ => tokens); // a factory registration: the container disposes it with the app
        return tokens;
    }

    private static partial class Log
    {
        [LoggerMessage(4, LogLevel.Information, "Record store credentials: client {ClientId}, tokens from {Provider}")]
        public static partial void Configured(ILogger logger, string clientId, string provider);
    }
}
