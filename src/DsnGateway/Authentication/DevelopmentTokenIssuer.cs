using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace DsnGateway.Authentication;

/// <summary>
/// Signs development access tokens with an RSA key kept in the data directory (keys/development-issuer.json),
/// so the <c>token</c> command and the gateway of the same data directory agree. Development only: the
/// gateway refuses to start with it enabled in any other environment.
/// </summary>
internal sealed class DevelopmentTokenIssuer
{
    private readonly RsaSecurityKey _key;

    private DevelopmentTokenIssuer(RsaSecurityKey key, string issuer, string audience)
    {
        _key = key;
        Issuer = issuer;
        Audience = audience;
    }

    public string Issuer { get; }

    public string Audience { get; }

    public SecurityKey SigningKey => _key;

    public static string KeyPath(string dataDirectory) => Path.Combine(dataDirectory, "keys", "development-issuer.json");

    /// <summary>Loads the data directory's key, creating it on first use.</summary>
    public static DevelopmentTokenIssuer Open(string dataDirectory, string issuer, string audience)
    {
        var path = KeyPath(dataDirectory);
        var rsa = RSA.Create();
        if (File.Exists(path))
        {
            var stored = JsonSerializer.Deserialize<StoredKey>(File.ReadAllText(path))
                ?? throw new InvalidDataException($"{path} is not a development issuer key.");
            rsa.ImportPkcs8PrivateKey(Convert.FromBase64String(stored.Pkcs8), out _);
            return new DevelopmentTokenIssuer(new RsaSecurityKey(rsa) { KeyId = stored.KeyId }, issuer, audience);
        }

        rsa.KeySize = 2048;
        var key = new RsaSecurityKey(rsa) { KeyId = "dev-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(8)).ToLowerInvariant() };
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var json = JsonSerializer.Serialize(new StoredKey(key.KeyId, Convert.ToBase64String(rsa.ExportPkcs8PrivateKey())));
        // Written beside, then moved, so a concurrent reader never sees half a key.
        var temporary = path + ".tmp-" + Environment.ProcessId;
        File.WriteAllText(temporary, json);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        try
        {
            File.Move(temporary, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temporary);
            return Open(dataDirectory, issuer, audience);
        }
        return new DevelopmentTokenIssuer(key, issuer, audience);
    }

    public string Issue(IEnumerable<Claim> claims, TimeSpan lifetime)
    {
        var now = DateTime.UtcNow;
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.Add(lifetime),
            Subject = new ClaimsIdentity(claims),
            SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.RsaSha256),
            TokenType = "at+jwt",
        };
        return new JsonWebTokenHandler().CreateToken(descriptor);
    }

    private sealed record StoredKey(string KeyId, string Pkcs8);
}
