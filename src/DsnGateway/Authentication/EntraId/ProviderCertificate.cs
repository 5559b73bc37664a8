using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace DsnGateway.Authentication.EntraId;

/// <summary>
/// A certificate trusted as a root for the provider's metadata and JWKS requests alone (a local test provider
/// with a development certificate). The system's roots still apply; nothing else in the process trusts it, and
/// the host name is always checked.
/// </summary>
internal static class ProviderCertificate
{
    public static string? Problem(string path)
    {
        if (!File.Exists(path)) return $"'{path}' does not exist.";
        try
        {
            using var _ = Load(path);
            return null;
        }
        catch (CryptographicException e)
        {
            return $"'{path}' is not a PEM or DER certificate: {e.Message}";
        }
    }

    public static X509Certificate2 Load(string path)
    {
        var text = File.ReadAllText(path);
        return text.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal)
            ? X509Certificate2.CreateFromPem(text)
            : X509CertificateLoader.LoadCertificateFromFile(path);
    }

    /// <summary>The backchannel handler: the system's validation, and where it fails only for the chain, a chain to the pinned root.</summary>
    public static HttpMessageHandler Handler(string path)
    {
        var root = Load(path);
        return new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                {
                    if (errors == SslPolicyErrors.None) return true;
                    // A wrong host name or no certificate is never excused.
                    if (errors != SslPolicyErrors.RemoteCertificateChainErrors || certificate is null) return false;
                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(root);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return chain.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
                },
            },
        };
    }
}
