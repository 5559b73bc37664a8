using System.Net;
using DsnGateway.StoreCredentials;
using DsnGateway.Tests.Authentication;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.IdentityModel.JsonWebTokens;

namespace DsnGateway.Tests.StoreCredentials;

/// <summary>
/// The gateway's client-credentials token source against a real OpenID provider on a socket (discovery, then the token
/// endpoint): one request in flight for many callers, the token kept until shortly before it expires (on a clock the
/// test moves), a refused token replaced once, and a provider outage reported without the secret.
/// </summary>
public sealed class StoreAccessTokensTests : IAsyncLifetime
{
    private const string ClientId = "dsn-gateway-client";
    private const string Secret = "s3cret-never-logged";
    private TestOpenIdProvider _provider = null!;
    private readonly ManualClock _clock = new(DateTimeOffset.UtcNow);

    public async Task InitializeAsync()
    {
        _provider = await TestOpenIdProvider.StartAsync();
        _provider.RegisterClient(ClientId, Secret, "dsn-store");
    }

    public async Task DisposeAsync() => await _provider.DisposeAsync();

    private StoreAccessTokens Tokens(int renewBefore = 60, int retryAfterFailure = 0, string? secret = Secret, int timeout = 10) => new(new StoreCredentialsOptions
    {
        TimeoutSeconds = timeout,
        Authority = _provider.Issuer,
        ClientId = ClientId,
        ClientSecret = secret,
        Audience = "dsn-store",
        Scope = "system/*.cruds",
        RenewBeforeSeconds = renewBefore,
        RetryAfterFailureSeconds = retryAfterFailure,
    }, _clock, NullLogger<StoreAccessTokens>.Instance);

    [Fact]
    public async Task Fifty_callers_at_once_make_exactly_one_token_request()
    {
        using var tokens = Tokens();
        Task<string>[] callers;
        using (_provider.HoldTokenAnswers())
        {
            // Every caller asks before any answer can come back: each would send its own request if they were not shared.
            callers = Enumerable.Range(0, 50).Select(_ => tokens.GetAsync(CancellationToken.None).AsTask()).ToArray();
            await _provider.WaitForTokenRequestsAsync(1);
        }
        var issued = await Task.WhenAll(callers);

        issued.Distinct().Should().ContainSingle("all fifty waited for the one answer");
        _provider.TokenRequests.Should().Be(1);
        var token = new JsonWebToken(issued[0]);
        token.Audiences.Should().Equal("dsn-store");
        token.Subject.Should().Be(ClientId);
    }

    [Fact]
    public async Task A_token_is_kept_until_shortly_before_it_expires_then_renewed()
    {
        _provider.ClientTokenLifetime = TimeSpan.FromSeconds(300);
        using var tokens = Tokens(renewBefore: 60);
        var first = await tokens.GetAsync(CancellationToken.None);
        (await tokens.GetAsync(CancellationToken.None)).Should().Be(first);

        _clock.Advance(TimeSpan.FromSeconds(239));
        (await tokens.GetAsync(CancellationToken.None)).Should().Be(first, "61 s before expiry it is still outside the renewal window");
        _provider.TokenRequests.Should().Be(1);

        _clock.Advance(TimeSpan.FromSeconds(2));
        var renewed = await tokens.GetAsync(CancellationToken.None);
        _provider.TokenRequests.Should().Be(2, "59 s before expiry it is renewed");
        (await tokens.GetAsync(CancellationToken.None)).Should().Be(renewed);
        _provider.TokenRequests.Should().Be(2);
    }

    [Fact]
    public async Task An_expired_token_is_never_handed_out()
    {
        _provider.ClientTokenLifetime = TimeSpan.FromSeconds(120);
        using var tokens = Tokens(renewBefore: 0);
        await tokens.GetAsync(CancellationToken.None);
        _clock.Advance(TimeSpan.FromSeconds(121));
        _provider.TokenEndpointDown = true;

        var act = async () => await tokens.GetAsync(CancellationToken.None);
        await act.Should().ThrowAsync<StoreCredentialsUnavailableException>();
        _provider.TokenRequests.Should().Be(2);
    }

    [Fact]
    public async Task While_the_provider_is_down_a_token_not_yet_expired_is_still_used_and_callers_fail_fast()
    {
        _provider.ClientTokenLifetime = TimeSpan.FromSeconds(300);
        using var tokens = Tokens(renewBefore: 60, retryAfterFailure: 30);
        var first = await tokens.GetAsync(CancellationToken.None);
        _provider.TokenEndpointDown = true;
        _clock.Advance(TimeSpan.FromSeconds(250)); // inside the renewal window, not yet expired

        (await tokens.GetAsync(CancellationToken.None)).Should().Be(first, "renewal failed, the token is still valid");
        _provider.TokenRequests.Should().Be(2);
        (await tokens.GetAsync(CancellationToken.None)).Should().Be(first);
        _provider.TokenRequests.Should().Be(2, "within RetryAfterFailureSeconds nobody asks the provider again");

        _clock.Advance(TimeSpan.FromSeconds(60)); // expired, and past the back-off
        var act = async () => await tokens.GetAsync(CancellationToken.None);
        (await act.Should().ThrowAsync<StoreCredentialsUnavailableException>()).Which.Message.Should().Contain("503").And.NotContain(Secret);
        _provider.TokenRequests.Should().Be(3);

        _provider.TokenEndpointDown = false;
        _clock.Advance(TimeSpan.FromSeconds(31));
        (await tokens.GetAsync(CancellationToken.None)).Should().NotBe(first, "it recovers by itself once the provider answers");
    }

    [Fact]
    public async Task A_provider_that_never_answers_fails_the_request_instead_of_holding_every_caller()
    {
        using var tokens = Tokens(timeout: 1);
        using (_provider.HoldTokenAnswers())
        {
            var act = async () => await tokens.GetAsync(CancellationToken.None);
            (await act.Should().ThrowAsync<StoreCredentialsUnavailableException>()).Which.Message.Should().Contain("did not answer within 1 s");
        }
        (await tokens.GetAsync(CancellationToken.None)).Should().NotBeNullOrEmpty("the next caller asks again, and gets one");
    }

    [Fact]
    public async Task A_wrong_secret_is_reported_as_the_providers_error_without_the_secret()
    {
        using var tokens = Tokens(secret: "not-the-secret");
        var act = async () => await tokens.GetAsync(CancellationToken.None);
        var refused = (await act.Should().ThrowAsync<StoreCredentialsUnavailableException>()).Which;
        refused.Message.Should().Contain("invalid_client").And.NotContain("not-the-secret");
        refused.Should().BeAssignableTo<HttpRequestException>("every door treats it as the store being unreachable: transient");
    }

    [Fact]
    public async Task A_token_the_store_refuses_is_replaced_and_the_request_sent_once_more()
    {
        using var tokens = Tokens();
        var seen = new List<string>();
        var store = new StubStore(request =>
        {
            seen.Add(request.Headers.Authorization!.Parameter!);
            return seen.Count == 1 ? HttpStatusCode.Unauthorized : HttpStatusCode.OK;
        });
        using var client = new HttpMessageInvoker(new StoreCredentialsHandler(tokens, store));
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://store.invalid/Patient/1");
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer clinician-token");

        using var response = await client.SendAsync(request, CancellationToken.None);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        seen.Should().HaveCount(2);
        seen[0].Should().NotBe(seen[1], "the refused token was dropped and a new one fetched");
        seen.Should().NotContain("clinician-token");
        _provider.TokenRequests.Should().Be(2);
    }

    [Fact]
    public async Task A_streamed_body_is_not_sent_twice_but_the_next_request_gets_a_new_token()
    {
        using var tokens = Tokens();
        var seen = new List<string>();
        var store = new StubStore(request =>
        {
            seen.Add(request.Headers.Authorization!.Parameter!);
            return seen.Count == 1 ? HttpStatusCode.Unauthorized : HttpStatusCode.OK;
        });
        using var client = new HttpMessageInvoker(new StoreCredentialsHandler(tokens, store));
        using (var streamed = new HttpRequestMessage(HttpMethod.Post, "http://store.invalid/") { Content = new StreamContent(new MemoryStream([1, 2, 3])) })
        {
            (await client.SendAsync(streamed, CancellationToken.None)).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        }
        using var next = new HttpRequestMessage(HttpMethod.Get, "http://store.invalid/metadata");
        (await client.SendAsync(next, CancellationToken.None)).StatusCode.Should().Be(HttpStatusCode.OK);
        seen.Should().HaveCount(2);
        seen[1].Should().NotBe(seen[0]);
    }

    [Fact]
    public void A_partial_client_is_refused_in_one_line_and_a_whole_one_accepted()
    {
        var remote = new DsnGateway.Runtime.RecordStoreConnectionOptions { Mode = DsnGateway.Runtime.RecordStoreMode.Remote, RemoteUrl = "https://store.example" };
        new StoreCredentialsOptions { Authority = "https://login.example", ClientId = "gw" }.Problems(remote, "Production")
            .Should().ContainSingle().Which.Should().Contain("ClientSecret missing");
        new StoreCredentialsOptions { Authority = "http://login.example", ClientId = "gw", ClientSecret = "x" }.Problems(remote, "Production")
            .Should().ContainSingle().Which.Should().Contain("plain http");
        new StoreCredentialsOptions { Authority = "http://127.0.0.1:5000", ClientId = "gw", ClientSecret = "x" }.Problems(remote, "Production")
            .Should().BeEmpty("plain http on loopback is allowed, as Duende's discovery policy allows it");
        new StoreCredentialsOptions { TokenEndpoint = "https://login.example/token", ClientId = "gw", ClientSecret = "x" }.Problems(remote, "Production")
            .Should().BeEmpty();
        var both = new DsnGateway.Runtime.RecordStoreConnectionOptions { Mode = DsnGateway.Runtime.RecordStoreMode.Remote, RemoteUrl = "https://store.example", RemoteAuthorization = "Basic eA==" };
        new StoreCredentialsOptions { Authority = "https://login.example", ClientId = "gw", ClientSecret = "x" }.Problems(both, "Production")
            .Should().ContainSingle().Which.Should().Contain("both set");
    }

    private sealed class StubStore(Func<HttpRequestMessage, HttpStatusCode> answer) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(answer(request)));
    }

    private sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
