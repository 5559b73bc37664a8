using System.Collections.Concurrent;
using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using DsnGateway.Observability;

namespace DsnGateway.Authentication;

/// <summary>
/// Validates each distinct access token once and reuses the outcome until the token expires: an RSA
/// signature check costs more than the rest of a proxied read. Only successes are kept, keyed by the
/// token itself (the cached result holds the token anyway, so hashing it hid nothing and cost a SHA-256 per
/// request), never past the token's own expiry, and only while what decided the outcome is unchanged:
/// the same issuer, audience, algorithm and key settings and the same provider configuration (issuer and
/// signing keys of the discovery document and JWKS).
/// </summary>
/// <remarks>
/// Everything is compared by content. Since IdentityModel 8.19, <c>TokenValidationParameters.Clone</c> (which
/// JwtBearer calls for every request) copies the key, issuer, audience and algorithm lists, so comparing them by
/// reference never matched and every request paid the full validation. The provider configuration is reduced
/// to a fingerprint once per configuration object; a JWKS refresh that brings other keys (rotation) or another
/// issuer gives another fingerprint and so ends what was cached under the old one.
/// </remarks>
internal sealed class CachingTokenHandler : JsonWebTokenHandler
{
    private const int Capacity = 50_000;
    private readonly ConcurrentDictionary<string, CachedResult> _cache = new(StringComparer.Ordinal);
    private readonly TimeProvider _clock;
    private readonly Action<ClaimsIdentity>? _mapIdentity;
    private readonly GatewayMetrics? _metrics;
    private long _fullValidations;
    private long _cacheHits;

    /// <param name="clock">Decides when a cached outcome has expired.</param>
    /// <param name="mapIdentity">
    /// Applied to the identity of each token validated in full, before it is cached (the Entra ID mode's mapping of
    /// app roles and scopes): once per token, and never on an identity another request may already be reading.
    /// </param>
    /// <param name="metrics">Counts validations and cache hits; null where nothing collects them.</param>
    public CachingTokenHandler(TimeProvider clock, Action<ClaimsIdentity>? mapIdentity = null, GatewayMetrics? metrics = null)
    {
        _clock = clock;
        _mapIdentity = mapIdentity;
        _metrics = metrics;
    }

    /// <summary>How many tokens were validated in full (signature and all) rather than answered from the cache.</summary>
    public long FullValidations => Interlocked.Read(ref _fullValidations);

    /// <summary>How many validations were answered from the cache.</summary>
    public long CacheHits => Interlocked.Read(ref _cacheHits);

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        var now = _clock.GetUtcNow();
        if (_cache.TryGetValue(token, out var cached))
        {
            if (cached.Expires > now && cached.Generation.Matches(await ConfigurationOfAsync(validationParameters), validationParameters))
            {
                Interlocked.Increment(ref _cacheHits);
                _metrics?.TokenValidated(cacheHit: true, valid: true);
                return cached.Result;
            }
            _cache.TryRemove(token, out _);
        }

        Interlocked.Increment(ref _fullValidations);
        var result = await base.ValidateTokenAsync(token, validationParameters);
        _metrics?.TokenValidated(cacheHit: false, result.IsValid);
        if (result.IsValid && _mapIdentity is not null) _mapIdentity(result.ClaimsIdentity);
        if (result.IsValid && result.SecurityToken is JsonWebToken jwt && jwt.ValidTo > DateTime.MinValue)
        {
            if (_cache.Count >= Capacity) Evict(now);
            // Taken after validation: a JWKS refresh during it (a new kid) belongs to this result.
            _cache[token] = new CachedResult(result, new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero), Generation.Of(await ConfigurationOfAsync(validationParameters), validationParameters));
        }
        return result;
    }

    private static async ValueTask<BaseConfiguration?> ConfigurationOfAsync(TokenValidationParameters parameters)
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

    /// <summary>
    /// What a validation outcome depends on besides the token, as content: the configuration's fingerprint and
    /// copies of the parameters' lists (keys as fingerprints). Taken once per full validation.
    /// </summary>
    private sealed record Generation(bool UsesConfiguration, string? Configuration, string[]? Keys, string[]? Issuers, string? Issuer, string[]? Audiences, string? Audience, string[]? Algorithms)
    {
        public static Generation Of(BaseConfiguration? configuration, TokenValidationParameters p) =>
            new(p.ConfigurationManager is not null, configuration is null ? null : Fingerprints.Of(configuration),
                p.IssuerSigningKeys?.Select(Fingerprints.Of).ToArray(), p.ValidIssuers?.ToArray(), p.ValidIssuer,
                p.ValidAudiences?.ToArray(), p.ValidAudience, p.ValidAlgorithms?.ToArray());

        // Compared field by field over the lists' indexers, so a cache hit allocates nothing; the fingerprints
        // of configurations and keys are looked up, not computed, after their first use.
        public bool Matches(BaseConfiguration? configuration, TokenValidationParameters p)
        {
            if (UsesConfiguration != p.ConfigurationManager is not null) return false;
            // A manager that gave no configuration now (provider unreachable past its refresh) matches nothing.
            if (UsesConfiguration && (configuration is null || !string.Equals(Fingerprints.Of(configuration), Configuration, StringComparison.Ordinal))) return false;
            return string.Equals(Issuer, p.ValidIssuer, StringComparison.Ordinal) && string.Equals(Audience, p.ValidAudience, StringComparison.Ordinal)
                && SameKeys(Keys, p.IssuerSigningKeys) && Same(Issuers, p.ValidIssuers) && Same(Audiences, p.ValidAudiences) && Same(Algorithms, p.ValidAlgorithms);
        }

        private static bool Same(string[]? kept, IEnumerable<string>? now)
        {
            if (kept is null || now is null) return kept is null && now is null;
            if (now is not IReadOnlyList<string> list) return kept.SequenceEqual(now, StringComparer.Ordinal);
            if (list.Count != kept.Length) return false;
            for (var i = 0; i < kept.Length; i++)
            {
                if (!string.Equals(kept[i], list[i], StringComparison.Ordinal)) return false;
            }
            return true;
        }

        private static bool SameKeys(string[]? kept, IEnumerable<SecurityKey>? now)
        {
            if (kept is null || now is null) return kept is null && now is null;
            if (now is not IReadOnlyList<SecurityKey> list) return kept.SequenceEqual(now.Select(Fingerprints.Of), StringComparer.Ordinal);
            if (list.Count != kept.Length) return false;
            for (var i = 0; i < kept.Length; i++)
            {
                if (!string.Equals(kept[i], Fingerprints.Of(list[i]), StringComparison.Ordinal)) return false;
            }
            return true;
        }
    }
}
