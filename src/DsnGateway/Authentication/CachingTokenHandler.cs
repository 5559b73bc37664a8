using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace DsnGateway.Authentication;

/// <summary>
/// Validates each distinct access token once and reuses the outcome until the token expires: an RSA
/// signature check costs more than the rest of a proxied read. Only successes are kept, keyed by the
/// token's SHA-256, never past the token's own expiry, and only while what decided the outcome is unchanged:
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

    public CachingTokenHandler(TimeProvider clock) => _clock = clock;

    /// <summary>How many tokens were validated in full (signature and all) rather than answered from the cache.</summary>
    public long FullValidations => Interlocked.Read(ref _fullValidations);

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        var key = Key(token);
        var now = _clock.GetUtcNow();
        if (_cache.TryGetValue(key, out var cached))
        {
            if (cached.Expires > now && cached.Generation.IsSameAs(await GenerationOfAsync(validationParameters))) return cached.Result;
            _cache.TryRemove(key, out _);
        }

        Interlocked.Increment(ref _fullValidations);
        var result = await base.ValidateTokenAsync(token, validationParameters);
        if (result.IsValid && result.SecurityToken is JsonWebToken jwt && jwt.ValidTo > DateTime.MinValue)
        {
            if (_cache.Count >= Capacity) Evict(now);
            // Taken after validation: a JWKS refresh during it (a new kid) belongs to this result.
            _cache[key] = new CachedResult(result, new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero), await GenerationOfAsync(validationParameters));
        }
        return result;
    }

    private static async Task<Generation> GenerationOfAsync(TokenValidationParameters parameters)
    {
        object? configuration = null;
        if (parameters.ConfigurationManager is { } manager)
        {
            try
            {
                // The manager's cached object unless it is due for a refresh, which validation would do anyway.
                configuration = await manager.GetBaseConfigurationAsync(CancellationToken.None);
            }
            catch (InvalidOperationException)
            {
                configuration = null; // no configuration: nothing cached can match, validation reports the failure
            }
        }
        return new Generation(configuration, parameters.IssuerSigningKeys, parameters.ValidIssuers, parameters.ValidIssuer,
            parameters.ValidAudiences, parameters.ValidAudience, parameters.ValidAlgorithms);
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

    private static string Key(string token) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private sealed record CachedResult(TokenValidationResult Result, DateTimeOffset Expires, Generation Generation);

    /// <summary>What a validation outcome depends on besides the token; collections compared by reference (copies of the parameters share them).</summary>
    private sealed record Generation(object? Configuration, object? Keys, object? Issuers, string? Issuer, object? Audiences, string? Audience, object? Algorithms)
    {
        public bool IsSameAs(Generation other) =>
            Configuration is not null && ReferenceEquals(Configuration, other.Configuration)
            && ReferenceEquals(Keys, other.Keys) && ReferenceEquals(Issuers, other.Issuers) && Issuer == other.Issuer
            && ReferenceEquals(Audiences, other.Audiences) && Audience == other.Audience && ReferenceEquals(Algorithms, other.Algorithms);
    }
}
