using System.Net;
using System.Net.Http.Headers;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using DsnGateway.Fhir.Serialization;
using DsnGateway.Ingestion;
using DsnGateway.Tests.Authentication;
using DsnGateway.Tests.Ingestion;
using DsnGateway.Tests.Observability;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;

namespace DsnGateway.Tests.Proxy;

/// <summary>
/// A remote record store that requires the gateway's own token (<see cref="CredentialedStoreRig"/>, audience dsn-store,
/// a real OpenID provider), and a gateway whose RecordStore:Credentials are a client of that provider.
/// </summary>
public sealed class CredentialedRemoteStoreTests : IAsyncLifetime
{
    private const string ClientId = "dsn-gateway-client";
    private const string Secret = "client-secret-that-must-never-be-logged";
    private const string StoreAudience = "dsn-store";

    private CredentialedStoreRig _rig = null!;

    public async Task InitializeAsync()
    {
        var provider = await TestOpenIdProvider.StartAsync();
        provider.RegisterClient(ClientId, Secret, "some-other-api");
        _rig = await CredentialedStoreRig.StartAsync("dsn-credentials", provider, new Dictionary<string, string>
        {
            ["DSN_Store__Authentication__Authority"] = provider.Issuer,
            ["DSN_Store__Authentication__Audience"] = StoreAudience,
            ["DSN_Store__Authentication__RequireHttpsMetadata"] = "false",
        });
    }

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    /// <summary>The gateway, started by each test with the renewal it needs.</summary>
    private Task StartGatewayAsync(int renewBeforeSeconds = 60, string audience = StoreAudience) =>
        _rig.StartGatewayAsync(new Dictionary<string, string?>
        {
            ["Authority"] = _rig.Provider.Issuer,
            ["ClientId"] = ClientId,
            ["ClientSecret"] = Secret,
            ["Audience"] = audience,
            ["Scope"] = "system/*.cruds",
            ["RenewBeforeSeconds"] = renewBeforeSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });

    private async Task<string> CreatePatientAsync()
    {
        var patient = new Patient { Name = [new HumanName { Family = "Distant" }], Identifier = [new Identifier { System = "urn:dsn:mrn:nim", Value = Guid.NewGuid().ToString("N") }] };
        using var created = await _rig.Clinician.PostAsync("fhir/Patient", GatewayFixture.Json(patient));
        created.StatusCode.Should().Be(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        return created.Headers.Location!.ToString().Split("/Patient/")[1].Split('/')[0];
    }

    [Fact]
    public async Task A_read_through_the_gateway_works_with_its_own_token_fetched_once_and_reused()
    {
        await StartGatewayAsync();
        var id = await CreatePatientAsync();
        for (var i = 0; i < 3; i++)
        {
            using var read = await _rig.Clinician.GetAsync($"fhir/Patient/{id}");
            read.StatusCode.Should().Be(HttpStatusCode.OK);
            FhirJson.Parse<Patient>(await read.Content.ReadAsStringAsync()).Name![0].Family.Should().Be("Distant");
        }
        (await _rig.Clinician.GetAsync("readyz")).StatusCode.Should().Be(HttpStatusCode.OK, "readiness reaches the store with the token too");
        _rig.Provider.TokenRequests.Should().Be(1, "the token is cached across requests and doors (checks, proxy, readiness)");
    }

    [Fact]
    public async Task The_store_refuses_a_request_without_a_token_and_one_for_another_audience()
    {
        using var direct = new HttpClient { BaseAddress = _rig.StoreUri };
        using (var none = await direct.GetAsync("metadata"))
        {
            none.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
            none.Headers.WwwAuthenticate.ToString().Should().StartWith("Bearer");
            (await none.Content.ReadAsStringAsync()).Should().Contain("\"resourceType\":\"OperationOutcome\"");
        }
        var claims = new Dictionary<string, object> { ["sub"] = ClientId, ["client_id"] = ClientId };
        using (var other = new HttpRequestMessage(HttpMethod.Get, "metadata"))
        {
            other.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _rig.Provider.Issue(claims, audience: "dsn-gateway"));
            (await direct.SendAsync(other)).StatusCode.Should().Be(HttpStatusCode.Unauthorized, "a token for the gateway (a clinician's audience) is not the store's");
        }
        using (var own = new HttpRequestMessage(HttpMethod.Get, "metadata"))
        {
            own.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _rig.Provider.Issue(claims, audience: StoreAudience));
            (await direct.SendAsync(own)).StatusCode.Should().Be(HttpStatusCode.OK, "the same provider's token for its audience passes");
        }
    }

    [Fact]
    public async Task The_store_sees_the_gateways_token_never_the_clinicians()
    {
        await StartGatewayAsync();
        var id = await CreatePatientAsync();
        using (var read = new HttpRequestMessage(HttpMethod.Get, $"fhir/Patient/{id}"))
        {
            (await _rig.Clinician.SendAsync(read)).StatusCode.Should().Be(HttpStatusCode.OK);
        }
        (await _rig.Clinician.GetAsync("fhir/Patient?_count=5")).StatusCode.Should().Be(HttpStatusCode.OK);

        _rig.Tap.Saw.Should().NotBeEmpty();
        _rig.Tap.Saw.Should().OnlyContain(h => h.StartsWith("Bearer ", StringComparison.Ordinal));
        _rig.Tap.Saw.Should().NotContain(h => h.Contains(_rig.ClinicianToken, StringComparison.Ordinal));
        foreach (var header in _rig.Tap.Saw.Distinct())
        {
            var token = new JsonWebToken(header["Bearer ".Length..]);
            token.Audiences.Should().Equal(StoreAudience);
            token.Subject.Should().Be(ClientId);
            token.Issuer.Should().Be(_rig.Provider.Issuer);
        }
    }

    [Fact]
    public async Task Many_clinicians_at_once_make_one_token_request()
    {
        await StartGatewayAsync();
        _rig.Provider.TokenRequests.Should().Be(0, "no token is fetched before it is needed");
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
    public async Task A_token_near_its_expiry_is_renewed_before_it_is_used()
    {
        _rig.Provider.ClientTokenLifetime = TimeSpan.FromSeconds(90);
        await StartGatewayAsync(renewBeforeSeconds: 120); // every token is already inside its renewal window
        (await _rig.Clinician.GetAsync("fhir/Patient?_count=1")).StatusCode.Should().Be(HttpStatusCode.OK);
        var afterFirst = _rig.Provider.TokenRequests;
        (await _rig.Clinician.GetAsync("fhir/Patient?_count=1")).StatusCode.Should().Be(HttpStatusCode.OK);
        _rig.Provider.TokenRequests.Should().BeGreaterThan(afterFirst, "a token about to expire is never reused");
        _rig.Tap.Saw.Distinct().Count().Should().BeGreaterThan(1);
    }

    [Fact]
    public async Task Without_a_token_reads_answer_503_and_ingested_messages_wait_in_the_inbox_until_one_can_be_had()
    {
        await StartGatewayAsync();
        _rig.Provider.TokenEndpointDown = true;

        using (var read = await _rig.Clinician.GetAsync("fhir/Patient?_count=1"))
        {
            read.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
            var outcome = await read.Content.ReadAsStringAsync();
            outcome.Should().Contain("\"resourceType\":\"OperationOutcome\"").And.Contain("credentials");
        }
        using (var byId = await _rig.Clinician.GetAsync("fhir/Patient/some-id"))
        {
            byId.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
            (await byId.Content.ReadAsStringAsync()).Should().Contain("\"resourceType\":\"OperationOutcome\"");
        }
        (await _rig.Clinician.GetAsync("readyz")).StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);

        var mrn = "NIMCRED" + Guid.NewGuid().ToString("N")[..8];
        var endpoint = await _rig.Gateway!.Services.GetRequiredService<MllpListener>().BoundEndpoint;
        await using (var sender = await MllpTestClient.ConnectAsync(endpoint))
        {
            var ack = await sender.SendAsync(AdtMessages.Utf8(AdtMessages.A01("ADT_NIM", "NIM", "CRED" + mrn, $"{mrn}^^^NIM^MR", "Jeton^Absent", "1980", "U")));
            AdtMessages.AckCode(ack).Should().Be("AA", "the inbox holds it while the store cannot be reached");
        }
        var inbox = _rig.Gateway!.Services.GetRequiredService<InboxStore>();
        StoredMessage message;
        for (var attempt = 0; ; attempt++)
        {
            message = (await inbox.ListMessagesAsync(CancellationToken.None)).Single();
            if (message.Attempts > 0 || attempt >= 600) break;
            await Task.Delay(50);
        }
        message.State.Should().Be(InboxMessageState.Pending, "a delivery without a token is transient: kept, not dead-lettered");
        message.LastError.Should().Contain("access token");
        (await inbox.ListDeadLettersAsync()).Should().BeEmpty();

        _rig.Provider.TokenEndpointDown = false;
        for (var attempt = 0; attempt < 600 && message.State == InboxMessageState.Pending; attempt++)
        {
            await Task.Delay(100);
            message = (await inbox.ListMessagesAsync(CancellationToken.None)).Single();
        }
        message.State.Should().Be(InboxMessageState.Delivered, "it is delivered by itself once a token can be had");
        using var search = await _rig.Clinician.GetAsync($"fhir/Patient?identifier=urn:dsn:mrn:nim|{mrn}");
        search.StatusCode.Should().Be(HttpStatusCode.OK);
        FhirJson.Parse<Bundle>(await search.Content.ReadAsStringAsync()).Entry.Should().ContainSingle();

        var logs = LogFiles.ReadAll(_rig.GatewayData);
        logs.Should().Contain("no access token", "the outage is logged");
        logs.Should().NotContain(Secret);
        foreach (var header in _rig.Tap.Saw.Distinct().Where(h => h.Length > 7)) logs.Should().NotContain(header["Bearer ".Length..]);
    }

    [Fact]
    public async Task When_the_store_refuses_the_gateways_token_the_clinician_is_not_told_to_log_in_again()
    {
        await StartGatewayAsync(audience: "some-other-api"); // a misconfigured client: the store refuses every token it gets
        using var read = await _rig.Clinician.GetAsync("fhir/Patient?_count=1");
        read.StatusCode.Should().Be(HttpStatusCode.BadGateway, "the clinician's token is fine: a 401 would send their app to log in again");
        read.Headers.WwwAuthenticate.Should().BeEmpty();
        (await read.Content.ReadAsStringAsync()).Should().Contain("\"resourceType\":\"OperationOutcome\"").And.Contain("refused the gateway's credentials");
        _rig.Provider.TokenRequests.Should().Be(2, "the refused token was replaced once, then the request given up");

        var endpoint = await _rig.Gateway!.Services.GetRequiredService<MllpListener>().BoundEndpoint;
        await using (var sender = await MllpTestClient.ConnectAsync(endpoint))
        {
            var ack = await sender.SendAsync(AdtMessages.Utf8(AdtMessages.A01("ADT_NIM", "NIM", "REFUSED1", "NIMREFUSED1^^^NIM^MR", "Refus^Jeton", "1980", "U")));
            AdtMessages.AckCode(ack).Should().Be("AA");
        }
        var inbox = _rig.Gateway!.Services.GetRequiredService<InboxStore>();
        StoredMessage message;
        for (var attempt = 0; ; attempt++)
        {
            message = (await inbox.ListMessagesAsync(CancellationToken.None)).Single();
            if (message.Attempts > 0 || attempt >= 600) break;
            await Task.Delay(50);
        }
        message.State.Should().Be(InboxMessageState.Pending, "refused credentials are not the message's fault: it waits, never dead-lettered");
        message.LastError.Should().Contain("credentials");
    }

    [Fact]
    public async Task A_command_reaches_the_store_with_the_gateways_token_too()
    {
        var file = Path.Combine(AppContext.BaseDirectory, "config", "sample-data", "nim-patients-fr.csv");
        var remote = new Dictionary<string, string>
        {
            ["DSN_RecordStore__Mode"] = "Remote",
            ["DSN_RecordStore__RemoteUrl"] = _rig.Tap.Url,
        };
        await using (var open = GatewayProcess.Start(["import", "NIM", "patients", file, "--data-dir", Path.Combine(_rig.Directory, "open")], variables: remote))
        {
            (await open.WaitForExitAsync()).Should().Be(1, "without credentials the store refuses the import's lookups");
        }
        _rig.Tap.Saw.Should().OnlyContain(h => h.Length == 0);

        var credentialed = new Dictionary<string, string>(remote)
        {
            ["DSN_RecordStore__Credentials__Authority"] = _rig.Provider.Issuer,
            ["DSN_RecordStore__Credentials__ClientId"] = ClientId,
            ["DSN_RecordStore__Credentials__ClientSecret"] = Secret,
            ["DSN_RecordStore__Credentials__Audience"] = StoreAudience,
        };
        await using var import = GatewayProcess.Start(["import", "NIM", "patients", file, "--data-dir", Path.Combine(_rig.Directory, "credentialed")], variables: credentialed);
        (await import.WaitForExitAsync()).Should().Be(0, import.Output);
        _rig.Provider.TokenRequests.Should().Be(1);
        var sent = _rig.Tap.Saw.Where(h => h.Length > 0).Select(h => new JsonWebToken(h["Bearer ".Length..]).Audiences.Single()).ToList();
        sent.Should().NotBeEmpty().And.OnlyContain(audience => audience == StoreAudience);
        import.Output.Should().NotContain(Secret);
    }
}
