using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using DsnGateway.Hl7v2.Mllp;
using DsnGateway.Ingestion;
using Microsoft.Extensions.DependencyInjection;

namespace DsnGateway.Tests.Ingestion;

/// <summary>MLLP over TLS, as configured with a server certificate: a real handshake, then the same intake.</summary>
public sealed class MllpTlsTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "dsn-mllp-tls", Guid.NewGuid().ToString("N"));
    private Microsoft.AspNetCore.Builder.WebApplication _gateway = null!;
    private X509Certificate2 _certificate = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var path = Path.Combine(_directory, "mllp.pfx");
        await File.WriteAllBytesAsync(path, certificate.Export(X509ContentType.Pfx, "secret"));
        _certificate = X509CertificateLoader.LoadCertificate(certificate.Export(X509ContentType.Cert));
        _gateway = await GatewayFixture.StartAsync(Path.Combine(_directory, "data"), new Dictionary<string, string?>
        {
            ["Ingestion:Mllp:TlsCertificatePath"] = path,
            ["Ingestion:Mllp:TlsCertificatePassword"] = "secret",
        }, loadSampleData: false);
    }

    public async Task DisposeAsync()
    {
        await _gateway.StopAsync();
        await _gateway.DisposeAsync();
        _certificate.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task A_message_over_tls_is_acknowledged()
    {
        var endpoint = await _gateway.Services.GetRequiredService<MllpListener>().BoundEndpoint;
        using var client = new TcpClient();
        await client.ConnectAsync(endpoint);
        await using var tls = new SslStream(client.GetStream(), false,
            (_, presented, _, _) => presented is not null && presented.GetCertHashString() == _certificate.GetCertHashString());
        await tls.AuthenticateAsClientAsync("localhost");

        var control = "TLS" + Guid.NewGuid().ToString("N")[..8];
        await MllpFrameWriter.WriteAsync(tls, AdtMessages.Utf8(AdtMessages.A01("ADT_NIM", "NIM", control, "NIMTLS1^^^NIM^MR", "Chiffre^Canal", "1980", "U")));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var ack = await new MllpFrameReader(tls).ReadAsync(timeout.Token);

        ack.Kind.Should().Be(MllpReadKind.Frame);
        var text = Encoding.UTF8.GetString(ack.Payload);
        AdtMessages.AckCode(text).Should().Be("AA");
        AdtMessages.Field(text, "MSA", 2).Should().Be(control);
    }

    [Fact]
    public async Task A_plain_tcp_sender_gets_no_ack_from_a_tls_listener()
    {
        await using var sender = await MllpTestClient.ConnectAsync(await _gateway.Services.GetRequiredService<MllpListener>().BoundEndpoint);
        await sender.WriteRawAsync(MllpFrameWriter.Frame(AdtMessages.Utf8(AdtMessages.A01("ADT_NIM", "NIM", "PLAIN1", "NIMPLAIN1^^^NIM^MR", "Clair^Texte", "1980", "U"))));

        (await sender.IsClosedByPeerAsync()).Should().BeTrue("the handshake fails and the connection is closed");
    }
}
