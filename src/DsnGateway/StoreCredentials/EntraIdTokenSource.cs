using System.Security.Cryptography.X509Certificates;
using Microsoft.Identity.Client;

namespace DsnGateway.StoreCredentials;

/// <summary>
/// Mode EntraId: the app token from Microsoft Entra ID through MSAL.NET's confidential client, with a client secret or a
/// certificate (MSAL signs the client assertion with it). Instance discovery is off: the authority
/// (<c>Instance</c> + <c>TenantId</c>) is used as configured, and nothing is asked of login.microsoftonline.com's
/// discovery endpoint, so a sovereign cloud or a local test provider works the same way. Why MSAL rather than
/// Microsoft.Identity.Web's token acquisition: ADR 0018.
/// </summary>
internal sealed partial class EntraIdTokenSource : IStoreTokenSource
{
    private readonly IConfidentialClientApplication _application;
    private readonly string[] _scopes;
    private readonly HttpClient _http;
    private readonly X509Certificate2? _certificate;

    public EntraIdTokenSource(StoreCredentialsOptions options, ILogger<EntraIdTokenSource> logger)
    {
        _scopes = [options.Scope!.Trim()];
        Provider = options.Instance!.TrimEnd('/') + "/" + options.TenantId!.Trim() + "/";
        var pinned = options.ProviderCertificate is { Length: > 0 } path ? Authentication.EntraId.ProviderCertificate.Handler(path) : null;
        var sockets = pinned ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        _http = new HttpClient(new ConfiguredInstanceOnly(new Uri(Provider).Host, logger, sockets), disposeHandler: true)
        {
            Timeout = TimeSpan.FromSeconds(options.TimeoutSeconds),
        };
        var builder = ConfidentialClientApplicationBuilder.Create(options.ClientId)
            .WithAuthority(Provider)
            .WithInstanceDiscovery(false)
            .WithHttpClientFactory(new OneHttpClient(_http));
        if (string.IsNullOrWhiteSpace(options.CertificatePath))
        {
            builder = builder.WithClientSecret(options.ClientSecret);
        }
        else
        {
            _certificate = StoreClientCertificate.Load(options);
            builder = builder.WithCertificate(_certificate);
        }
        _application = builder.Build();
    }

    public string Provider { get; }

    public async Task<IssuedStoreToken> RequestAsync(CancellationToken cancellationToken)
    {
        AuthenticationResult result;
        try
        {
            // Forced: StoreAccessTokens decides when a new token is needed (renewal, a 401 from the store); MSAL's own
            // cache would hand back the token just refused.
            result = await _application.AcquireTokenForClient(_scopes).WithForceRefresh(true).ExecuteAsync(cancellationToken);
        }
        catch (MsalServiceException e)
        {
            // The error code and status only: MSAL's message may quote the request.
            throw new StoreCredentialsUnavailableException(
                $"Entra ID refused the request ({e.ErrorCode}{(e.StatusCode == 0 ? "" : $", HTTP {e.StatusCode}")})", e.StatusCode >= 500 ? e : null);
        }
        catch (MsalClientException e)
        {
            throw new StoreCredentialsUnavailableException($"MSAL could not ask Entra ID for a token ({e.ErrorCode})");
        }
        return new IssuedStoreToken(result.AccessToken, result.ExpiresOn - DateTimeOffset.UtcNow);
    }

    public void Dispose()
    {
        _http.Dispose();
        _certificate?.Dispose();
    }

    /// <summary>
    /// MSAL's requests go to the configured instance and nowhere else: the gateway's credentials traffic stays with the
    /// tenant it names (no call to the public cloud's instance discovery, which MSAL would make, and survive the failure
    /// of, were it switched on). A request elsewhere is refused and logged, which is also how the tests see it.
    /// </summary>
    private sealed class ConfiguredInstanceOnly(string host, ILogger logger, HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (string.Equals(request.RequestUri?.Host, host, StringComparison.OrdinalIgnoreCase)) return base.SendAsync(request, cancellationToken);
            Log.OutsideInstance(logger, request.RequestUri?.Host ?? "", host);
            throw new HttpRequestException($"MSAL's request to {request.RequestUri?.Host} was refused: only the configured instance {host} is called");
        }
    }

    private static partial class Log
    {
        [LoggerMessage(5, Microsoft.Extensions.Logging.LogLevel.Warning, "Record store credentials: MSAL tried to reach {Host}, outside the configured instance {Instance}; refused")]
        public static partial void OutsideInstance(ILogger logger, string host, string instance);
    }

    /// <summary>MSAL's requests through the gateway's own client: its timeout, and the pinned provider root in tests.</summary>
    private sealed class OneHttpClient(HttpClient http) : IMsalHttpClientFactory
    {
        public HttpClient GetHttpClient() => http;
    }
}
