using System.Security.Cryptography;

namespace DsnGateway.Audit;

/// <summary>
/// The key that signs audit checkpoints: ECDSA P-256 in a PEM file outside audit.db (PKCS#8 private key; the
/// public key beside it as <c>&lt;name&gt;.pub.pem</c>, which is all <c>audit verify</c> needs). Its id is derived
/// from the public key, so every instance given the same key file signs with the same id, and a rotated key has
/// another.
/// </summary>
internal sealed class AuditCheckpointKey : IDisposable
{
    private readonly ECDsa _key;

    private AuditCheckpointKey(ECDsa key, bool canSign)
    {
        _key = key;
        CanSign = canSign;
        KeyId = IdOf(key);
    }

    public string KeyId { get; }

    public bool CanSign { get; }

    /// <summary>Where the public key of the private key file <paramref name="privateKeyPath"/> is written.</summary>
    public static string PublicKeyPath(string privateKeyPath) => Path.ChangeExtension(privateKeyPath, ".pub.pem");

    /// <summary>Loads the private key file, or creates it (and its public key) when <paramref name="create"/> allows.</summary>
    /// <exception cref="InvalidDataException">the file is missing (and may not be created) or is not an EC private key.</exception>
    public static AuditCheckpointKey OpenForSigning(string path, bool create)
    {
        if (!File.Exists(path))
        {
            if (!create) throw new InvalidDataException($"The audit checkpoint key {path} does not exist.");
            Create(path);
        }
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(File.ReadAllText(path));
            // ImportFromPem takes a public key too; a signer needs the private half.
            _ = key.ExportECPrivateKey();
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            key.Dispose();
            throw new InvalidDataException($"The audit checkpoint key {path} is not a PEM EC private key (PKCS#8): {ex.Message}", ex);
        }
        return new AuditCheckpointKey(key, canSign: true);
    }

    /// <summary>A public key (or a private key file, of which only the public half is used) to check checkpoints with.</summary>
    /// <exception cref="InvalidDataException">the file is not a PEM EC key.</exception>
    public static AuditCheckpointKey OpenForVerifying(string path)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(File.ReadAllText(path));
            var publicOnly = ECDsa.Create();
            publicOnly.ImportSubjectPublicKeyInfo(key.ExportSubjectPublicKeyInfo(), out _);
            return new AuditCheckpointKey(publicOnly, canSign: false);
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            throw new InvalidDataException($"{path} is not a PEM EC public key: {ex.Message}", ex);
        }
        finally
        {
            key.Dispose();
        }
    }

    public AuditCheckpoint Sign(long seq, string headHash, DateTimeOffset created)
    {
        if (!CanSign) throw new InvalidOperationException("A public key cannot sign checkpoints.");
        var signature = _key.SignData(AuditCheckpoint.SignedBytes(seq, headHash, created, KeyId), HashAlgorithmName.SHA256);
        return new AuditCheckpoint(seq, headHash, created, KeyId, Convert.ToBase64String(signature));
    }

    public bool Verifies(AuditCheckpoint checkpoint)
    {
        if (checkpoint.KeyId != KeyId) return false;
        var signature = new byte[96];
        if (!Convert.TryFromBase64String(checkpoint.Signature, signature, out var length)) return false;
        return _key.VerifyData(checkpoint.SignedBytes(), signature.AsSpan(0, length), HashAlgorithmName.SHA256);
    }

    public void Dispose() => _key.Dispose();

    private static string IdOf(ECDsa key) =>
        "ac-" + Convert.ToHexStringLower(SHA256.HashData(key.ExportSubjectPublicKeyInfo()).AsSpan(0, 8));

    /// <summary>
    /// A new key, its file private to the gateway's user (written beside, then moved, so a second instance starting at
    /// the same moment reads a whole key: the first one written wins), and its public key beside it.
    /// </summary>
    private static void Create(string path)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var directory = Path.GetDirectoryName(path)!;
        Runtime.PrivateFiles.CreateDirectory(directory);
        var temporary = path + ".tmp-" + Environment.ProcessId;
        File.WriteAllText(temporary, key.ExportPkcs8PrivateKeyPem());
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        try
        {
            File.Move(temporary, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temporary);
            return;
        }
        File.WriteAllText(PublicKeyPath(path), key.ExportSubjectPublicKeyInfoPem());
    }
}
