using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace DsnGateway.Tests.Authentication;

/// <summary>
/// The provider's token endpoint for the client credentials grant (RFC 6749 §4.4), for the gateway's own client toward a
/// remote store: registered clients authenticate with HTTP Basic or form fields; the token's audience is the RFC 8707
/// <c>resource</c> asked for, else the client's own. A test can count the requests, hold the answers, or take it down.
/// </summary>
public sealed partial class TestOpenIdProvider
{
    private readonly Dictionary<string, (string Secret, string Audience)> _clients = new(StringComparer.Ordinal);
    private readonly object _tokenGate = new();
    private int _tokenRequests;
    private TaskCompletionSource? _held;

    /// <summary>Token requests received (answered or not), every one counted on arrival.</summary>
    public int TokenRequests => Volatile.Read(ref _tokenRequests);

    /// <summary>While true the token endpoint answers 503, as a provider in an outage.</summary>
    public bool TokenEndpointDown { get; set; }

    /// <summary>The <c>expires_in</c> of the tokens it issues.</summary>
    public TimeSpan ClientTokenLifetime { get; set; } = TimeSpan.FromMinutes(10);

    public void RegisterClient(string clientId, string secret, string audience)
    {
        lock (_tokenGate) _clients[clientId] = (secret, audience);
    }

    /// <summary>Token requests wait (counted on arrival) until the returned handle is disposed.</summary>
    public IDisposable HoldTokenAnswers()
    {
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_tokenGate) _held = held;
        return new Release(() =>
        {
            lock (_tokenGate) _held = null;
            held.TrySetResult();
        });
    }

    /// <summary>Until at least this many token requests arrived (bounded: a hang detector, not a timing check).</summary>
    public async Task WaitForTokenRequestsAsync(int count)
    {
        for (var attempt = 0; attempt < 600 && TokenRequests < count; attempt++) await Task.Delay(50);
        if (TokenRequests < count) throw new TimeoutException($"{TokenRequests} token requests arrived, not {count}");
    }

    private static void MapClientCredentials(IEndpointRouteBuilder app, TestOpenIdProvider provider) =>
        app.MapPost("/token", async (HttpContext http) =>
        {
            Interlocked.Increment(ref provider._tokenRequests);
            Task? held;
            lock (provider._tokenGate) held = provider._held?.Task;
            if (held is not null) await held;
            if (provider.TokenEndpointDown) return Results.Text("provider outage", "text/plain", statusCode: 503);

            var form = await http.Request.ReadFormAsync();
            if (form["grant_type"] != "client_credentials") return OAuthError("unsupported_grant_type", 400);
            var (clientId, secret) = ClientOf(http.Request, form);
            (string Secret, string Audience) client;
            lock (provider._tokenGate)
            {
                if (clientId is null || !provider._clients.TryGetValue(clientId, out client) || client.Secret != secret)
                    return OAuthError("invalid_client", 401);
            }
            var audience = form["resource"].FirstOrDefault() ?? client.Audience;
            var lifetime = provider.ClientTokenLifetime;
            var token = provider.Issue(new Dictionary<string, object>
            {
                ["sub"] = clientId,
                ["client_id"] = clientId,
                ["scope"] = form["scope"].FirstOrDefault() ?? "",
                ["jti"] = Guid.NewGuid().ToString("N"), // two tokens issued within one second still differ
            }, audience: audience, expires: DateTime.UtcNow.Add(lifetime));
            return Results.Json(new Dictionary<string, object>
            {
                ["access_token"] = token,
                ["token_type"] = "Bearer",
                ["expires_in"] = (int)lifetime.TotalSeconds,
            });
        });

    private static (string? Id, string? Secret) ClientOf(HttpRequest request, IFormCollection form)
    {
        if (AuthenticationHeaderValue.TryParse(request.Headers.Authorization, out var header) && header.Scheme == "Basic" && header.Parameter is { } encoded)
        {
            var pair = Encoding.UTF8.GetString(Convert.FromBase64String(encoded)).Split(':', 2);
            // RFC 6749 §2.3.1: both parts are form-urlencoded before Basic encoding.
            return pair.Length == 2 ? (Uri.UnescapeDataString(pair[0].Replace('+', ' ')), Uri.UnescapeDataString(pair[1].Replace('+', ' '))) : (null, null);
        }
        return (form["client_id"].FirstOrDefault(), form["client_secret"].FirstOrDefault());
    }

    private static IResult OAuthError(string error, int status) =>
        Results.Json(new Dictionary<string, string> { ["error"] = error }, statusCode: status);

    private sealed class Release(Action release) : IDisposable
    {
        public void Dispose() => release();
    }
}
