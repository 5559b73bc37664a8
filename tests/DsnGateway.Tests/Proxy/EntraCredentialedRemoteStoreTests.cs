using System.Net;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using DsnGateway.Fhir.Serialization;
using DsnGateway.Tests.Authentication;
using DsnGateway.Tests.Observability;
using DsnGateway.Tests.StoreCredentials;
using Microsoft.IdentityModel.JsonWebTokens;

namespace DsnGateway.Tests.Proxy;

/// <summary>
/// RecordStore:Credentials in mode EntraId: the gateway (Kestrel, Remote mode) gets its app token through MSAL from a
/// local provider shaped like Entra ID (HTTPS with a development certificate the gateway pins, the tenant's
/// <c>oauth2/v2.0/token</c> endpoint, instance discovery off), with a client secret or a certificate (PFX or PEM), and
/// reads through a real <c>store</c> process that accepts only tokens of that tenant for <c>api://dsn-store</c>.
/// </summary>
public sealed class EntraCredentialedRemoteStoreTests : IAsyncLifetime
{
    private const string Tenant = "3f2a1b0c-9d8e-4f7a-8b6c-5d4e3f2a1b0c";
    private const string AppId = "8e7d6c5b-4a39-4821-9f0e-1d2c3b4a5968";
    private const string Secret = "entra-client-secret-that-must-never-be-logged";
    private const string StoreAudience = "api://dsn-store";

    private AppCertificateFiles _certificate = null!;
    private CredentialedStoreRig _rig = null!;

    public async Task InitializeAsync()
    {
        var provider = await TestOpenIdProvider.StartEntraShapedAsync(Tenant);
        _certificate = AppCertificateFiles.Create(Path.Combine(Path.GetTempPath(), "dsn-entra-app-certificate", Guid.NewGuid().ToString("N")));
        provider.RegisterEntraClient(AppId, Secret, X509CertificateLoaderPublic(_certificate));
        _rig = await CredentialedStoreRig.StartAsync("dsn-entra-credentials", provider, new Dictionary<string, string>
        {
            // The tenant's v2.0 metadata, as the store would read Entra's; the store process trusts the provider's
            // development certificate through OpenSSL's SSL_CERT_FILE (that process alone).
            ["DSN_Store__Authentication__Authority"] = $"{provider.BaseAddress}/{Tenant}/v2.0",
            ["DSN_Store__Authentication__Audience"] = StoreAudience,
            ["SSL_CERT_FILE"] = provider.CertificatePath!,
        });
    }

    /// <summary>What the provider keeps of the app's certificate: the public part only.</summary>
    private static System.Security.Cryptography.X509Certificates.X509Certificate2 X509CertificateLoaderPublic(AppCertificateFiles files) =>
        System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(files.Certificate.RawData);

    private Task StartGatewayAsync(Dictionary<string, string?> credential)
    {
        var configuration = new Dictionary<string, string?>
        {
            ["Mode"] = "EntraId",
            ["Instance"] = _rig.Provider.BaseAddress + "/",
            ["TenantId"] = Tenant,
            ["ClientId"] = AppId,
            ["Scope"] = StoreAudience + "/.default",
            ["ProviderCertificate"] = _rig.Provider.CertificatePath,
        };
        foreach (var (key, value) in credential) configuration[key] = value;
        return _rig.StartGatewayAsync(configuration);
    }

    private Dictionary<string, string?> WithSecret(string secret = Secret) => new() { ["ClientSecret"] = secret };

    private Dictionary<string, string?> WithPfx() => new() { ["CertificatePath"] = _certificate.Pfx, ["CertificatePassword"] = AppCertificateFiles.Password };

    private Dictionary<string, string?> WithPem() => new() { ["CertificatePath"] = _certificate.PemCertificate, ["CertificateKeyPath"] = _certificate.PemKey };

    public async Task DisposeAsync()
    {
        await _rig.DisposeAsync();
        _certificate.Dispose();
        try { Directory.Delete(_certificate.Directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private async Task ReadsThroughTheStoreAsync()
    {
        var patient = new Patient { Name = [new HumanName { Family = "Nuage" }], Identifier = [new Identifier { System = "urn:dsn:mrn:nim", Value = Guid.NewGuid().ToString("N") }] };
        using var created = await _rig.Clinician.PostAsync("fhir/Patient", GatewayFixture.Json(patient));
        created.StatusCode.Should().Be(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var id = created.Headers.Location!.ToString().Split("/Patient/")[1].Split('/')[0];
        using var read = await _rig.Clinician.GetAsync($"fhir/Patient/{id}");
        read.StatusCode.Should().Be(HttpStatusCode.OK);
        FhirJson.Parse<Patient>(await read.Content.ReadAsStringAsync()).Name![0].Family.Should().Be("Nuage");

        LogFiles.ReadAll(_rig.GatewayData).Should().NotContain("outside the configured instance",
            "instance discovery is off: MSAL asks nothing of login.microsoftonline.com");
        _rig.Tap.Saw.Should().NotBeEmpty().And.OnlyContain(h => h.StartsWith("Bearer ", StringComparison.Ordinal));
        foreach (var header in _rig.Tap.Saw.Distinct())
        {
            var token = new JsonWebToken(header["Bearer ".Length..]);
            token.Audiences.Should().Equal(StoreAudience);
            token.Issuer.Should().Be($"https://login.microsoftonline.com/{Tenant}/v2.0");
            token.GetClaim("azp").Value.Should().Be(AppId);
        }
    }

    [Fact]
    public async Task With_a_client_secret_the_gateway_reads_through_the_store_with_one_Entra_token()
    {
        await StartGatewayAsync(WithSecret());
        await ReadsThroughTheStoreAsync();
        _rig.Provider.TokenRequests.Should().Be(1, "the token is cached across requests and doors");
        _rig.Provider.ClientAssertions.Should().BeEmpty("a secret, not a certificate, was configured");
        LogFiles.ReadAll(_rig.GatewayData).Should().NotContain(Secret);
    }

    [Theory]
    [InlineData("pfx")]
    [InlineData("pem")]
    public async Task With_a_certificate_the_gateway_signs_its_client_assertion_and_reads_through_the_store(string format)
    {
        await StartGatewayAsync(format == "pfx" ? WithPfx() : WithPem());
        await ReadsThroughTheStoreAsync();
        _rig.Provider.TokenRequests.Should().Be(1);
        // The provider verified each assertion's signature with the certificate's public key before it issued a token.
        var assertion = new JsonWebToken(_rig.Provider.ClientAssertions.Should().ContainSingle().Subject);
        assertion.Issuer.Should().Be(AppId);
        assertion.Audiences.Should().Equal($"{_rig.Provider.BaseAddress}/{Tenant}/oauth2/v2.0/token");
        LogFiles.ReadAll(_rig.GatewayData).Should().NotContain(AppCertificateFiles.Password);
    }

    [Fact]
    public async Task With_a_wrong_secret_reads_answer_503_with_an_OperationOutcome_and_the_secret_is_never_logged()
    {
        const string wrong = "a-wrong-secret-also-never-logged";
        await StartGatewayAsync(WithSecret(wrong));
        using var read = await _rig.Clinician.GetAsync("fhir/Patient?_count=1");
        read.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        (await read.Content.ReadAsStringAsync()).Should().Contain("\"resourceType\":\"OperationOutcome\"").And.Contain("credentials");
        _rig.Tap.Saw.Should().BeEmpty("nothing reaches the store without a token");

        var logs = LogFiles.ReadAll(_rig.GatewayData);
        logs.Should().Contain("invalid_client", "the refusal is logged in OAuth's words");
        logs.Should().NotContain(wrong).And.NotContain(Secret);
    }

    [Fact]
    public async Task Many_clinicians_at_once_make_one_token_request_to_Entra()
    {
        await StartGatewayAsync(WithPfx());
        Task<HttpResponseMessage>[] reads;
        using (_rig.Provider.HoldTokenAnswers())
        {
            reads = Enumerable.Range(0, 20).Select(_ => _rig.Clinician.GetAsync("fhir/Patient?_count=1")).ToArray();
            await _rig.Provider.WaitForTokenRequestsAsync(1);
        }
        var answers = await Task.WhenAll(reads);
        answers.Should().OnlyContain(r => r.StatusCode == HttpStatusCode.OK);
        _rig.Provider.TokenRequests.Should().Be(1);
        foreach (var answer in answers) answer.Dispose();
    }

    [Fact]
    public async Task A_token_the_store_refuses_is_replaced_by_a_new_one_from_Entra_not_MSALs_cached_one()
    {
        await StartGatewayAsync(WithSecret());
        (await _rig.Clinician.GetAsync("fhir/Patient?_count=1")).StatusCode.Should().Be(HttpStatusCode.OK);
        _rig.Provider.TokenRequests.Should().Be(1);

        _rig.Tap.RefuseNext();
        using var read = await _rig.Clinician.GetAsync("fhir/Patient?_count=1");

        read.StatusCode.Should().Be(HttpStatusCode.OK, "the refused read is sent again with a new token");
        _rig.Provider.TokenRequests.Should().Be(2, "the 401 forced a request to Entra ID");
        _rig.Tap.Saw.Distinct().Should().HaveCount(2, "the retry carries the new token, not the refused one");
    }

    [Fact]
    public async Task While_Entras_token_endpoint_is_down_reads_answer_503_and_recover_by_themselves_when_it_returns()
    {
        await StartGatewayAsync(WithSecret());
        _rig.Provider.TokenEndpointDown = true;

        using (var read = await _rig.Clinician.GetAsync("fhir/Patient?_count=1"))
        {
            read.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable, "no token can be had: the store is not tried without one");
            (await read.Content.ReadAsStringAsync()).Should().Contain("\"resourceType\":\"OperationOutcome\"").And.Contain("credentials");
        }
        (await _rig.Clinician.GetAsync("readyz")).StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        _rig.Tap.Saw.Should().BeEmpty("nothing reaches the store without a token");

        _rig.Provider.TokenEndpointDown = false;
        using (var read = await _rig.Clinician.GetAsync("fhir/Patient?_count=1"))
        {
            read.StatusCode.Should().Be(HttpStatusCode.OK, "the next read gets a token from Entra ID without a restart");
        }
        (await _rig.Clinician.GetAsync("readyz")).StatusCode.Should().Be(HttpStatusCode.OK);
        _rig.Tap.Saw.Should().NotBeEmpty().And.OnlyContain(h => h.StartsWith("Bearer ", StringComparison.Ordinal));
        LogFiles.ReadAll(_rig.GatewayData).Should().NotContain(Secret);
    }
}
