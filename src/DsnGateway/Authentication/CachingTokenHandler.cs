using System.Collections.Concurrent;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using DsnGateway.Observability;

namespace DsnGateway.Authentication;

/// <summary>
/// Validates each distinct access token once and reuses the outcome until the token expires: an RSA
/// signature check costs more than the rest of a proxied read. Only successes are kept, keyed by the
/// token itself (the cached result holds the token anyway, so hashing it hid nothing and cost a SHA-256 per
/// request), never past the token's own expiry, and only while what decided the outcome is unchanged:
/// the same issuer, audience and key settings and the same provider configuration (discovery document and
/// JWKS) object. JwtBearer hands each request its own copy of the parameters, so those copies cannot be the
/// key; a JWKS refresh (key rotation) gives a new configuration object and so starts the cache over.
/// </summary>
public sealed class CachingTokenHandler : JsonWebTokenHandler
{
    private const int Capacity = 50_000;
    private readonly ConcurrentDictionary<string, CachedResult> _cache = new(StringComparer.Ordinal);
    private readonly TimeProvider _clock;
    private long _fullValidations;

    private readonly GatewayMetrics? _metrics;

    public CachingTokenHandler(TimeProvider clock, GatewayMetrics? metrics = null)
    {
        _clock = clock;
        _metrics = metrics;
    }

    /// <summary>How many tokens were validated in full (signature and all) rather than answered from the cache.</summary>
    public long FullValidations => Interlocked.Read(ref _fullValidations);

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        var now = _clock.GetUtcNow();
        if (_cache.TryGetValue(token, out var cached))
        {
            if (cached.Expires > now && cached.Generation.Matches(await ConfigurationOfAsync(validationParameters), validationParameters)) return CacheHit(cached.Result);
            _cache.TryRemove(token, out _);
        }

        Interlocked.Increment(ref _fullValidations);
        var result = await base.ValidateTokenAsync(token, validationParameters);
        _metrics?.TokenValidated(cacheHit: false, result.IsValid);
        if (result.IsValid && result.SecurityToken is JsonWebToken jwt && jwt.ValidTo > DateTime.MinValue)
        {
            if (_cache.Count >= Capacity) Evict(now);
            // Taken after validation: a JWKS refresh during it (a new kid) belongs to this result.
            _cache[token] = new CachedResult(result, new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero), Generation.Of(await ConfigurationOfAsync(validationParameters), validationParameters));
        }
        return result;
    }

    private TokenValidationResult CacheHit(TokenValidationResult result)
    {
        _metrics?.TokenValidated(cacheHit: true, valid: true);
        return result;
    }

    private static async ValueTask<object?> ConfigurationOfAsync(TokenValidationParameters parameters)
    {
        if (parameters.ConfigurationManager is not { } manager) return null;
        try
        {
            // The manager's cached object unless it is due for a refresh, which validation would do anyway.
            return await manager.GetBaseConfigurationAsync(CancellationToken.None);
        }
        catch (InvalidOperationException)
        {
            return null; // no configuration: nothing cached can match, validation reports the failure
        }
    }

    private void Evict(DateTimeOffset now)
    {
        foreach (var (k, v) in _cache)
        {
            if (v.Expires <= now) _cache.TryRemove(k, out _);
        }
        // Still full of live tokens: start over rather than grow without bound.
        if (_cache.Count >= Capacity) _cache.Clear();
    }

    private sealed record CachedResult(TokenValidationResult Result, DateTimeOffset Expires, Generation Generation);

    /// <summary>What a validation outcome depends on besides the token; collections compared by reference (copies of the parameters share them).</summary>
    private sealed record Generation(object? Configuration, object? Keys, object? Issuers, string? Issuer, object? Audiences, string? Audience, object? Algorithms)
    {
        public static Generation Of(object? configuration, TokenValidationParameters p) =>
            new(configuration, p.IssuerSigningKeys, p.ValidIssuers, p.ValidIssuer, p.ValidAudiences, p.ValidAudience, p.ValidAlgorithms);

        // Compared field by field, so a cache hit allocates nothing.
        public bool Matches(object? configuration, TokenValidationParameters p) =>
            Configuration is not null && ReferenceEquals(Configuration, configuration)
            && ReferenceEquals(Keys, p.IssuerSigningKeys) && ReferenceEquals(Issuers, p.ValidIssuers) && Issuer == p.ValidIssuer
            && ReferenceEquals(Audiences, p.ValidAudiences) && Audience == p.ValidAudience && ReferenceEquals(Algorithms, p.ValidAlgorithms);
    }
}
