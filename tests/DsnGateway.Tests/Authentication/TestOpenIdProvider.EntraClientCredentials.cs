using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace DsnGateway.Tests.Authentication;

/// <summary>
/// Entra ID's v2.0 token endpoint for the client credentials grant, at <c>/{tenant}/oauth2/v2.0/token</c> where MSAL
/// finds it from the authority: an app authenticates with <c>client_secret</c>, or with a <c>client_assertion</c> (a JWT
/// signed with its certificate, verified here with that certificate's public key; aud the token endpoint, iss and sub
/// the client id). The scope must be one <c>&lt;resource&gt;/.default</c>; the token's audience is that resource. The
/// request counter, the hold and the outage switch are the ones of the plain token endpoint.
/// </summary>
public sealed partial class TestOpenIdProvider
{
    private readonly Dictionary<string, (string? Secret, X509Certificate2? Certificate)> _entraClients = new(StringComparer.Ordinal);

    /// <summary>The client assertions received, as sent (a test checks the certificate really signed them).</summary>
    public List<string> ClientAssertions { get; } = [];

    /// <summary>An app registration: a secret or a certificate (its public part suffices to verify its assertions).</summary>
    public void RegisterEntraClient(string clientId, string? secret = null, X509Certificate2? certificate = null)
    {
        lock (_tokenGate) _entraClients[clientId] = (secret, certificate);
    }

    private static void MapEntraClientCredentials(IEndpointRouteBuilder app, TestOpenIdProvider provider) =>
        app.MapPost("/{tenant}/oauth2/v2.0/token", async (string tenant, HttpContext http) =>
        {
            Interlocked.Increment(ref provider._tokenRequests);
            Task? held;
            lock (provider._tokenGate) held = provider._held?.Task;
            if (held is not null) await held;
            if (provider.TokenEndpointDown) return Results.Text("provider outage", "text/plain", statusCode: 503);
            if (tenant != provider.TenantId) return EntraError("invalid_tenant", 400);

            var form = await http.Request.ReadFormAsync();
            if (form["grant_type"] != "client_credentials") return EntraError("unsupported_grant_type", 400);
            var clientId = form["client_id"].FirstOrDefault();
            (string? Secret, X509Certificate2? Certificate) client;
            lock (provider._tokenGate)
            {
                if (clientId is null || !provider._entraClients.TryGetValue(clientId, out client)) return EntraError("unauthorized_client", 400);
            }
            var endpoint = provider.BaseAddress + http.Request.Path;
            if (form["client_assertion"].FirstOrDefault() is { } assertion)
            {
                lock (provider._tokenGate) provider.ClientAssertions.Add(assertion);
                if (form["client_assertion_type"] != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" || client.Certificate is null
                    || !await SignedByAsync(assertion, client.Certificate, clientId, endpoint))
                    return EntraError("invalid_client", 401);
            }
            else if (client.Secret is null || form["client_secret"] != client.Secret)
            {
                return EntraError("invalid_client", 401);
            }
            var scope = form["scope"].FirstOrDefault() ?? "";
            if (!scope.EndsWith("/.default", StringComparison.Ordinal) || scope.Contains(' ', StringComparison.Ordinal)) return EntraError("invalid_scope", 400);

            var lifetime = provider.ClientTokenLifetime;
            var token = provider.Issue(new Dictionary<string, object>
            {
                ["sub"] = clientId,
                ["azp"] = clientId,
                ["tid"] = tenant,
                ["roles"] = new[] { "Store.ReadWrite" },
                ["ver"] = "2.0",
                ["jti"] = Guid.NewGuid().ToString("N"),
            }, audience: scope[..^"/.default".Length], expires: DateTime.UtcNow.Add(lifetime), tokenType: "JWT");
            return Results.Json(new Dictionary<string, object>
            {
                ["token_type"] = "Bearer",
                ["expires_in"] = (int)lifetime.TotalSeconds,
                ["ext_expires_in"] = (int)lifetime.TotalSeconds,
                ["access_token"] = token,
            });
        });

    /// <summary>RFC 7523 §3: signed with the registered certificate's key, for this endpoint, by this client, not expired.</summary>
    private static async Task<bool> SignedByAsync(string assertion, X509Certificate2 certificate, string clientId, string endpoint)
    {
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(assertion, new TokenValidationParameters
        {
            IssuerSigningKey = new X509SecurityKey(certificate),
            ValidIssuer = clientId,
            ValidAudience = endpoint,
            RequireExpirationTime = true,
        });
        return result.IsValid && result.SecurityToken is JsonWebToken token && token.Subject == clientId;
    }

    private static IResult EntraError(string error, int status) =>
        Results.Json(new Dictionary<string, string> { ["error"] = error, ["error_description"] = $"AADSTS-TEST: {error}" }, statusCode: status);
}
