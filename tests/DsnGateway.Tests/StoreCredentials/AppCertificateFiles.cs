using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace DsnGateway.Tests.StoreCredentials;

/// <summary>
/// An app registration's certificate as an operator would hold it, made for this run: a PFX with a password, and the
/// same certificate as PEM with its key in a file of its own.
/// </summary>
public sealed class AppCertificateFiles : IDisposable
{
    public const string Password = "pfx-password-never-logged";

    private AppCertificateFiles(X509Certificate2 certificate, string directory)
    {
        Certificate = certificate;
        Directory = directory;
    }

    /// <summary>The certificate with its private key (the provider registers its public part).</summary>
    public X509Certificate2 Certificate { get; }

    public string Directory { get; }

    public string Pfx => Path.Combine(Directory, "app.pfx");

    public string PemCertificate => Path.Combine(Directory, "app.crt.pem");

    public string PemKey => Path.Combine(Directory, "app.key.pem");

    public static AppCertificateFiles Create(string directory)
    {
        System.IO.Directory.CreateDirectory(directory);
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=dsn-gateway-app", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var files = new AppCertificateFiles(certificate, directory);
        File.WriteAllBytes(files.Pfx, certificate.Export(X509ContentType.Pkcs12, Password));
        File.WriteAllText(files.PemCertificate, certificate.ExportCertificatePem());
        File.WriteAllText(files.PemKey, key.ExportPkcs8PrivateKeyPem());
        return files;
    }

    public void Dispose() => Certificate.Dispose();
}
