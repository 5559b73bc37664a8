using System.Text.Json;
using Duende.IdentityModel.Client;

namespace DsnGateway.StoreCredentials;

/// <summary>
/// The client credentials grant through Duende.IdentityModel: the token endpoint found by discovery (cached, read again
/// after a refusal in case it moved) or given, the secret sent as the grant asks, the store's audience as RFC 8707
/// <c>resource</c>.
/// </summary>
internal sealed class ClientCredentialsTokenSource : IStoreTokenSource
{
    private readonly StoreCredentialsOptions _options;
    private readonly HttpClient _http;
    private readonly DiscoveryCache? _discovery;

    public ClientCredentialsTokenSource(StoreCredentialsOptions options, HttpMessageHandler? handler = null)
    {
        _options = options;
        // HttpClient for its Timeout: discovery (DiscoveryCache) takes no cancellation token, and a provider that never
        // answers must fail that request, not leave it pending for every later caller.
        _http = new HttpClient(handler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }, disposeHandler: true)
        {
            Timeout = TimeSpan.FromSeconds(options.TimeoutSeconds),
        };
        if (string.IsNullOrWhiteSpace(options.TokenEndpoint))
        {
            _discovery = new DiscoveryCache(options.Authority!.TrimEnd('/'), () => _http, new DiscoveryPolicy
            {
                RequireHttps = options.RequireHttps,
                AllowHttpOnLoopback = true,
            });
        }
    }

    public string Provider => _options.TokenEndpoint ?? _options.Authority!;

    public async Task<IssuedStoreToken> RequestAsync(CancellationToken cancellationToken)
    {
        var address = await TokenEndpointAsync(cancellationToken);
        var request = new ClientCredentialsTokenRequest
        {
            Address = address,
            ClientId = _options.ClientId!,
            ClientSecret = _options.ClientSecret,
            Scope = string.IsNullOrWhiteSpace(_options.Scope) ? null : _options.Scope,
        };
        if (!string.IsNullOrWhiteSpace(_options.Audience)) request.Resource.Add(_options.Audience);
        var response = await _http.RequestClientCredentialsTokenAsync(request, cancellationToken);
        if (response.IsError)
        {
            // The endpoint may have moved: the next attempt reads the discovery document again.
            _discovery?.Refresh();
            throw new StoreCredentialsUnavailableException(Describe(response));
        }
        if (string.IsNullOrEmpty(response.AccessToken))
            throw new StoreCredentialsUnavailableException("the token endpoint answered without an access_token");
        return new IssuedStoreToken(response.AccessToken, TimeSpan.FromSeconds(Math.Max(0, response.ExpiresIn)));
    }

    private async Task<string> TokenEndpointAsync(CancellationToken cancellationToken)
    {
        if (_discovery is null) return _options.TokenEndpoint!;
        var document = await _discovery.GetAsync().WaitAsync(cancellationToken);
        if (document.IsError)
            throw new StoreCredentialsUnavailableException($"the discovery document of {_options.Authority} could not be read ({document.Error})");
        return document.TokenEndpoint
            ?? throw new StoreCredentialsUnavailableException($"the discovery document of {_options.Authority} names no token_endpoint");
    }

    /// <summary>What went wrong, in OAuth's own words (an error code, a status): never the request, which holds the secret.</summary>
    private static string Describe(TokenResponse response) => response.ErrorType switch
    {
        ResponseErrorType.Http => $"the token endpoint answered HTTP {(int)response.HttpStatusCode}{(OAuthError(response.Raw) is { } error ? $" ({error})" : "")}",
        ResponseErrorType.Exception => $"the token endpoint could not be reached ({response.Exception?.GetType().Name}: {response.Exception?.Message})",
        _ => $"the token endpoint refused the request ({response.Error}{(response.HttpStatusCode == 0 ? "" : $", HTTP {(int)response.HttpStatusCode}")})",
    };

    /// <summary>The OAuth <c>error</c> code of a refusal's body (e.g. invalid_client with a 401), and nothing else of it.</summary>
    private static string? OAuthError(string? body)
    {
        if (string.IsNullOrEmpty(body)) return null;
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("error", out var error)
                && error.ValueKind == JsonValueKind.String ? error.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public void Dispose() => _http.Dispose();
}
