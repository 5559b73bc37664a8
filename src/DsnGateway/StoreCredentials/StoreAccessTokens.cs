using System.Text.Json;
using Duende.IdentityModel.Client;

namespace DsnGateway.StoreCredentials;

/// <summary>
/// The gateway's access token for a remote record store, from the client credentials grant (Duende.IdentityModel):
/// the token endpoint found by discovery (cached), the token kept until <see cref="StoreCredentialsOptions.RenewBeforeSeconds"/>
/// before it expires, and one request to the provider at a time however many callers need a token at once (they all wait
/// for that one answer). A token the store refused (401) is dropped so the next caller gets a new one. While the provider
/// fails, a token that has not yet expired keeps being used, and new callers get the failure at once for
/// <see cref="StoreCredentialsOptions.RetryAfterFailureSeconds"/> rather than each sending a request of its own.
/// </summary>
internal sealed partial class StoreAccessTokens : IDisposable
{
    private readonly StoreCredentialsOptions _options;
    private readonly HttpClient _http;
    private readonly DiscoveryCache? _discovery;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly object _gate = new();
    private CachedToken? _current;
    private Task<CachedToken>? _pending;
    private Failure? _failure;

    public StoreAccessTokens(StoreCredentialsOptions options, TimeProvider clock, ILogger<StoreAccessTokens> logger, HttpMessageHandler? handler = null)
    {
        _options = options;
        _clock = clock;
        _logger = logger;
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

    /// <summary>A token valid for a while yet; waits for the one request in flight when there is none.</summary>
    /// <exception cref="StoreCredentialsUnavailableException">no usable token could be had.</exception>
    public async ValueTask<string> GetAsync(CancellationToken cancellationToken)
    {
        Task<CachedToken> pending;
        lock (_gate)
        {
            var now = _clock.GetUtcNow();
            if (_current is { } current && now < current.RenewAt) return current.Value;
            if (_failure is { } failure && now < failure.Until)
            {
                if (_current is { } stillValid && now < stillValid.ExpiresAt) return stillValid.Value;
                throw failure.Error;
            }
            // The one request in flight, shared: started under the lock, so two callers can never start two.
            pending = _pending ??= FetchAsync();
        }
        try
        {
            return (await pending.WaitAsync(cancellationToken)).Value;
        }
        catch (StoreCredentialsUnavailableException)
        {
            lock (_gate)
            {
                if (_current is { } stillValid && _clock.GetUtcNow() < stillValid.ExpiresAt) return stillValid.Value;
            }
            throw;
        }
    }

    /// <summary>The store refused this token: it is not used again (a token fetched since is kept).</summary>
    public void Refused(string token)
    {
        lock (_gate)
        {
            if (_current?.Value == token) _current = null;
        }
        Log.Refused(_logger);
    }

    private async Task<CachedToken> FetchAsync()
    {
        // Off the caller's thread: the caller holds the lock, and the request must not run under it.
        await Task.Yield();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(_options.TimeoutSeconds));
            var address = await TokenEndpointAsync(timeout.Token);
            var request = new ClientCredentialsTokenRequest
            {
                Address = address,
                ClientId = _options.ClientId!,
                ClientSecret = _options.ClientSecret,
                Scope = string.IsNullOrWhiteSpace(_options.Scope) ? null : _options.Scope,
            };
            if (!string.IsNullOrWhiteSpace(_options.Audience)) request.Resource.Add(_options.Audience);
            var response = await _http.RequestClientCredentialsTokenAsync(request, timeout.Token);
            if (response.IsError)
            {
                // The endpoint may have moved: the next attempt reads the discovery document again.
                _discovery?.Refresh();
                throw new StoreCredentialsUnavailableException(Describe(response));
            }
            if (string.IsNullOrEmpty(response.AccessToken))
                throw new StoreCredentialsUnavailableException("the token endpoint answered without an access_token");
            var now = _clock.GetUtcNow();
            var expires = now.AddSeconds(Math.Max(0, response.ExpiresIn));
            var token = new CachedToken(response.AccessToken, expires, expires.AddSeconds(-_options.RenewBeforeSeconds));
            lock (_gate)
            {
                _current = token;
                _failure = null;
                _pending = null;
            }
            Log.Acquired(_logger, response.ExpiresIn);
            return token;
        }
        catch (Exception ex)
        {
            var error = ex as StoreCredentialsUnavailableException
                ?? new StoreCredentialsUnavailableException(ex is OperationCanceledException
                    ? $"the provider did not answer within {_options.TimeoutSeconds} s" : $"{ex.GetType().Name}: {ex.Message}", ex);
            lock (_gate)
            {
                _failure = new Failure(_clock.GetUtcNow().AddSeconds(_options.RetryAfterFailureSeconds), error);
                _pending = null;
            }
            Log.Failed(_logger, error.Reason);
            throw error;
        }
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

    private sealed record CachedToken(string Value, DateTimeOffset ExpiresAt, DateTimeOffset RenewAt);

    private sealed record Failure(DateTimeOffset Until, StoreCredentialsUnavailableException Error);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Record store credentials: access token acquired, valid {ExpiresIn} s")]
        public static partial void Acquired(ILogger logger, int expiresIn);

        [LoggerMessage(2, LogLevel.Warning, "Record store credentials: no access token ({Reason})")]
        public static partial void Failed(ILogger logger, string reason);

        [LoggerMessage(3, LogLevel.Warning, "Record store credentials: the store refused the gateway's access token (401); a new one is requested")]
        public static partial void Refused(ILogger logger);
    }
}
