using System.Runtime.CompilerServices;
using Microsoft.IdentityModel.Tokens;

namespace DsnGateway.Authentication;

/// <summary>
/// The content of signing keys and provider configurations as strings that compare equal exactly when the
/// content is the same, computed once per object: the key id and RFC 7638 JWK thumbprint of each key, and the
/// issuer with the sorted key fingerprints of a configuration. The same key fetched again (a new JsonWebKey
/// object from a JWKS refresh) has the same fingerprint; a key with the same kid but other material does not.
/// </summary>
internal static class Fingerprints
{
    private static readonly ConditionalWeakTable<SecurityKey, string> Keys = new();
    private static readonly ConditionalWeakTable<BaseConfiguration, string> Configurations = new();
    private static long s_opaque;

    public static string Of(SecurityKey key) => Keys.GetValue(key, Compute);

    public static string Of(BaseConfiguration configuration) => Configurations.GetValue(configuration, Compute);

    private static string Compute(SecurityKey key)
    {
        if (key.CanComputeJwkThumbprint())
        {
            try
            {
                return key.KeyId + "#" + Base64UrlEncoder.Encode(key.ComputeJwkThumbprint());
            }
            catch (Exception e) when (e is ArgumentException or NotSupportedException or InvalidOperationException or System.Security.Cryptography.CryptographicException)
            {
                // Falls through: a key whose material cannot be read is only ever equal to itself.
            }
        }
        // Unique per object, never equal to another key's: a cache miss at worst, never a false match.
        return key.KeyId + "#opaque-" + Interlocked.Increment(ref s_opaque).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string Compute(BaseConfiguration configuration)
    {
        var keys = configuration.SigningKeys.Select(Of).Order(StringComparer.Ordinal);
        return configuration.Issuer + "\n" + string.Join('\n', keys);
    }
}
