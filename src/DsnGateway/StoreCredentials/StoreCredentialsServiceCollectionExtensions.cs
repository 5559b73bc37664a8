using DsnGateway.Runtime;

namespace DsnGateway.StoreCredentials;

internal static partial class StoreCredentialsServiceCollectionExtensions
{
    /// <summary>
    /// The gateway's client toward a remote store, when <c>RecordStore:Credentials</c> is configured (checked at the start);
    /// null otherwise. One instance per process: every door to the store shares its cached token. The token comes from
    /// Entra ID through MSAL in mode EntraId, else from the configured provider through Duende.IdentityModel; the cache
    /// around either is the same.
    /// </summary>
    public static StoreAccessTokens? AddStoreCredentials(this IServiceCollection services, IConfiguration configuration,
        RecordStoreConnectionOptions store, ILoggerFactory loggerFactory)
    {
        var options = StoreCredentialsOptions.From(configuration);
        if (store.Mode != RecordStoreMode.Remote || !options.IsConfigured) return null;
        IStoreTokenSource source = options.IsEntraId ? new EntraIdTokenSource(options, loggerFactory.CreateLogger<EntraIdTokenSource>()) : new ClientCredentialsTokenSource(options);
        var tokens = new StoreAccessTokens(source, options, TimeProvider.System, loggerFactory.CreateLogger<StoreAccessTokens>());
        Log.Configured(loggerFactory.CreateLogger(typeof(StoreAccessTokens).FullName!), options.ClientId!, tokens.Provider,
            options.IsEntraId ? (string.IsNullOrWhiteSpace(options.CertificatePath) ? "Entra ID, client secret" : "Entra ID, certificate") : "client credentials");
        services.AddSingleton(_ => tokens); // a factory registration: the container disposes it with the app
        return tokens;
    }

    private static partial class Log
    {
        [LoggerMessage(4, LogLevel.Information, "Record store credentials: client {ClientId}, tokens from {Provider} ({Credential})")]
        public static partial void Configured(ILogger logger, string clientId, string provider, string credential);
    }
}
