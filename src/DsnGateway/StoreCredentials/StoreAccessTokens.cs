namespace DsnGateway.StoreCredentials;

/// <summary>
/// The gateway's access token for a remote record store, from its <see cref="IStoreTokenSource"/> (Duende.IdentityModel's
/// client credentials grant, or MSAL toward Entra ID): the token kept until <see cref="StoreCredentialsOptions.RenewBeforeSeconds"/>
/// before it expires, and one request to the provider at a time however many callers need a token at once (they all wait
/// for that one answer). A token the store refused (401) is dropped so the next caller gets a new one. While the provider
/// fails, a token that has not yet expired keeps being used, and new callers get the failure at once for
/// <see cref="StoreCredentialsOptions.RetryAfterFailureSeconds"/> rather than each sending a request of its own.
/// </summary>
internal sealed partial class StoreAccessTokens : IDisposable
{
    private readonly StoreCredentialsOptions _options;
    private readonly IStoreTokenSource _source;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly object _gate = new();
    private CachedToken? _current;
    private Task<CachedToken>? _pending;
    private Failure? _failure;

    public StoreAccessTokens(IStoreTokenSource source, StoreCredentialsOptions options, TimeProvider clock, ILogger<StoreAccessTokens> logger)
    {
        _source = source;
        _options = options;
        _clock = clock;
        _logger = logger;
    }

    /// <summary>The client credentials grant through Duende.IdentityModel (the source when Entra ID is not named).</summary>
    public StoreAccessTokens(StoreCredentialsOptions options, TimeProvider clock, ILogger<StoreAccessTokens> logger, HttpMessageHandler? handler = null)
        : this(new ClientCredentialsTokenSource(options, handler), options, clock, logger)
    {
    }

    /// <summary>Where tokens come from, for the start-up log.</summary>
    public string Provider => _source.Provider;

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
            var issued = await _source.RequestAsync(timeout.Token);
            var expires = _clock.GetUtcNow().Add(issued.Lifetime);
            var token = new CachedToken(issued.Value, expires, expires.AddSeconds(-_options.RenewBeforeSeconds));
            lock (_gate)
            {
                _current = token;
                _failure = null;
                _pending = null;
            }
            Log.Acquired(_logger, (int)issued.Lifetime.TotalSeconds);
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

    public void Dispose() => _source.Dispose();

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
