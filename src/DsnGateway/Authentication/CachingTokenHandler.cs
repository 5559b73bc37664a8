using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace DsnGateway.Authentication;

/// <summary>
/// Validates each distinct access token once and reuses the outcome until the token expires: an RSA
/// signature check costs more than the rest of a proxied read. Only successes are kept, keyed by the
/// token's SHA-256, never past the token's own expiry, and only while the validation parameters that
/// decided it (issuers, audiences, signing keys) are unchanged: JwtBearer hands over a fresh copy of the
/// parameters on every request, so they are compared by content, not by reference.
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
            if (cached.Expires > now && cached.Fingerprint == Fingerprint(validationParameters)) return cached.Result;
            _cache.TryRemove(key, out _);
        }

        var result = await base.ValidateTokenAsync(token, validationParameters);
        if (result.IsValid && result.SecurityToken is JsonWebToken jwt && jwt.ValidTo > DateTime.MinValue)
        {
            if (_cache.Count >= Capacity) Evict(now);
            _cache[key] = new CachedResult(result, new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero), Fingerprint(validationParameters));
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

    /// <summary>What a cached decision depended on: a rotated key set or a new issuer invalidates it.</summary>
    private static string Fingerprint(TokenValidationParameters p) => string.Join('|',
        p.ValidIssuer, string.Join(',', p.ValidIssuers ?? []),
        p.ValidAudience, string.Join(',', p.ValidAudiences ?? []),
        string.Join(',', (p.IssuerSigningKeys ?? []).Select(k => k.KeyId)), p.IssuerSigningKey?.KeyId);

    private sealed record CachedResult(TokenValidationResult Result, DateTimeOffset Expires, string Fingerprint);
}
