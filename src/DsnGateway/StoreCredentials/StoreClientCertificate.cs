using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace DsnGateway.StoreCredentials;

/// <summary>
/// The gateway app's certificate toward Entra ID (mode EntraId): a PFX/PKCS#12 file with its password, or a PEM
/// certificate with its PEM key (a separate file, or the same one). Loaded once at the start-up check, so that a
/// missing file, a wrong password or a certificate without its private key is refused before anything runs, and again
/// for the token source.
/// </summary>
internal static class StoreClientCertificate
{
    public static X509Certificate2 Load(StoreCredentialsOptions options)
    {
        var path = options.CertificatePath!;
        var password = string.IsNullOrEmpty(options.CertificatePassword) ? null : options.CertificatePassword;
        var certificate = IsPem(path)
            ? LoadPem(path, options.CertificateKeyPath ?? path, password)
            : X509CertificateLoader.LoadPkcs12FromFile(path, password, X509KeyStorageFlags.EphemeralKeySet);
        if (!certificate.HasPrivateKey)
        {
            certificate.Dispose();
            throw new CryptographicException("the certificate has no private key to sign the client assertion with");
        }
        return certificate;
    }

    /// <summary>Why the certificate cannot be used, in one phrase without the password; null when it can.</summary>
    public static string? Problem(StoreCredentialsOptions options)
    {
        if (!File.Exists(options.CertificatePath)) return $"'{options.CertificatePath}' does not exist.";
        if (!string.IsNullOrWhiteSpace(options.CertificateKeyPath) && !File.Exists(options.CertificateKeyPath))
            return $"'{options.CertificatePath}': its key file '{options.CertificateKeyPath}' does not exist.";
        try
        {
            using var _ = Load(options);
            return null;
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            // The messages say "wrong password" or "no private key"; they never repeat the password.
            return $"'{options.CertificatePath}' cannot be used: {e.Message.TrimEnd('.')}.";
        }
    }

    private static bool IsPem(string path)
    {
        using var reader = new StreamReader(path);
        var buffer = new char[64];
        var read = reader.Read(buffer, 0, buffer.Length);
        return new string(buffer, 0, read).TrimStart().StartsWith("-----BEGIN", StringComparison.Ordinal);
    }

    private static X509Certificate2 LoadPem(string certificatePath, string keyPath, string? password)
    {
        using var pem = password is null
            ? X509Certificate2.CreateFromPemFile(certificatePath, keyPath)
            : X509Certificate2.CreateFromEncryptedPemFile(certificatePath, password, keyPath);
        // Exported and loaded again: a key from PEM is ephemeral, which some platforms' signing cannot use directly.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null, X509KeyStorageFlags.EphemeralKeySet);
    }
}
