using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace DsnGateway.Authentication;

/// <summary>
/// Validates each distinct access token once and reuses the outcome until the token expires: an RSA
/// signature check costs more than the rest of a proxied read. Only successes are kept, keyed by the
/// token's SHA-256, never past the token's own expiry, and only while the validation parameters (issuer,
/// audience, keys) are the same object the handler was given.
/// </summary>
public sealed class CachingTokenHandler : JsonWebTokenHandler
{
    private const int Capacity = 50_000;
    private readonly ConcurrentDictionary<string, CachedResult> _cache = new(StringComparer.Ordinal);
    private readonly TimeProvider _clock;

    public CachingTokenHandler(TimeProvider clock) => _clock = clock;

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        var key = Key(token);
        var now = _clock.GetUtcNow();
        if (_cache.TryGetValue(key, out var cached))
        {
            if (cached.Expires > now && ReferenceEquals(cached.Parameters, validationParameters)) return cached.Result;
            _cache.TryRemove(key, out _);
        }

        var result = await base.ValidateTokenAsync(token, validationParameters);
        if (result.IsValid && result.SecurityToken is JsonWebToken jwt && jwt.ValidTo > DateTime.MinValue)
        {
            if (_cache.Count >= Capacity) Evict(now);
            _cache[key] = new CachedResult(result, new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero), validationParameters);
        }
        return result;
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

    private sealed record CachedResult(TokenValidationResult Result, DateTimeOffset Expires, TokenValidationParameters Parameters);
}
