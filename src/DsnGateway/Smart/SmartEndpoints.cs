using System.Text.Json.Nodes;
using DsnGateway.Authentication;
using DsnGateway.Fhir.Outcomes;
using DsnGateway.Hosting;
using DsnGateway.Proxy;
using DsnGateway.RecordStore.Http;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace DsnGateway.Smart;

/// <summary>
/// What a SMART app needs before it has a token, answered by the gateway itself: the CapabilityStatement
/// (the store's, with the security section of this gateway's OpenID provider) and SMART discovery, which
/// SMART App Launch 2 puts under the FHIR base.
/// </summary>
public static partial class SmartEndpoints
{
    public const string OAuthUrisExtension = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris";

    private static readonly string[] Capabilities =
    [
        "launch-standalone", "client-public", "client-confidential-symmetric", "client-confidential-asymmetric",
        "context-standalone-patient", "sso-openid-connect", "permission-v1", "permission-v2", "permission-patient", "permission-user",
    ];

    private static readonly string[] ScopesSupported =
    [
        "openid", "fhirUser", "launch/patient", "offline_access",
        "user/Patient.rs", "user/MedicationRequest.rs", "user/Procedure.rs", "user/*.rs", "user/*.cruds",
        "patient/Patient.rs", "patient/MedicationRequest.rs", "patient/Procedure.rs", "patient/*.rs",
        "user/AuditEvent.rs", "system/*.cu",
    ];

    public static void MapSmartEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/fhir/metadata", async (HttpContext http, RecordStoreClient store, IServiceProvider services) =>
        {
            HttpResponseMessage response;
            try
            {
                response = await store.SendAsync(HttpMethod.Get, "metadata", null, null, http.RequestAborted);
            }
            catch (HttpRequestException)
            {
                // The store unreachable, or the gateway without its token for it: transient either way.
                await FhirResponses.WriteAsync(http, 503, OperationOutcomes.Error("transient", "The record store did not answer its capabilities; retry shortly."));
                return;
            }
            using var _ = response;
            if (!response.IsSuccessStatusCode)
            {
                await FhirResponses.WriteAsync(http, 503, OperationOutcomes.Error("transient", "The record store did not answer its capabilities; retry shortly."));
                return;
            }
            var oauth = await OAuthEndpointsAsync(services, http.RequestAborted);
            if (oauth is null)
            {
                await WriteProviderUnavailableAsync(http);
                return;
            }
            var capability = JsonNode.Parse(await response.Content.ReadAsStringAsync(http.RequestAborted))!.AsObject();
            var publicBase = LinkRewritingTransform.PublicBase(http, services.GetRequiredService<IOptionsMonitor<GatewayOptions>>().CurrentValue);
            capability["implementation"] = new JsonObject { ["description"] = "DSN gateway", ["url"] = publicBase };
            if (capability["rest"] is JsonArray { Count: > 0 } rest && rest[0] is JsonObject server)
            {
                server["security"] = Security(oauth);
                // The gateway offers less than the store behind it: no transactions or batches (system senders
                // write through ingestion), only the types callers may touch, and the audit it answers itself.
                server.Remove("interaction");
                if (server["resource"] is JsonArray resources)
                {
                    foreach (var hidden in resources.Where(r => !Offered((string?)r?["type"])).ToList()) resources.Remove(hidden);
                    resources.Add(AuditEventCapability());
                }
            }
            http.Response.ContentType = FhirResponses.FhirJsonContentType;
            await http.Response.WriteAsync(capability.ToJsonString(), http.RequestAborted);
        });

        endpoints.MapGet("/fhir/.well-known/smart-configuration", async (HttpContext http, IServiceProvider services) =>
        {
            var oauth = await OAuthEndpointsAsync(services, http.RequestAborted);
            if (oauth is null)
            {
                await WriteProviderUnavailableAsync(http);
                return;
            }
            var configuration = new JsonObject
            {
                ["issuer"] = oauth.Issuer,
                ["jwks_uri"] = oauth.JwksUri,
                ["authorization_endpoint"] = oauth.Authorize,
                ["token_endpoint"] = oauth.Token,
                ["grant_types_supported"] = new JsonArray("authorization_code", "client_credentials"),
                ["token_endpoint_auth_methods_supported"] = new JsonArray("private_key_jwt", "client_secret_basic"),
                ["response_types_supported"] = new JsonArray("code"),
                ["scopes_supported"] = new JsonArray([.. ScopesSupported.Select(s => (JsonNode)s)]),
                ["capabilities"] = new JsonArray([.. Capabilities.Select(s => (JsonNode)s)]),
                ["code_challenge_methods_supported"] = new JsonArray("S256"),
            };
            // Endpoints the provider does not publish (the development issuer has none) are left out, not null.
            foreach (var (name, _) in configuration.Where(p => p.Value is null).ToList()) configuration.Remove(name);
            http.Response.ContentType = "application/json";
            await http.Response.WriteAsync(configuration.ToJsonString(), http.RequestAborted);
        });
    }

    private static bool Offered(string? type) =>
        type is not null && (Authorization.CareRelationshipPolicy.PatientLink.ContainsKey(type) || Authorization.CareRelationshipPolicy.ReferenceData.Contains(type));

    private static JsonObject Security(OAuthEndpoints oauth)
    {
        var uris = new JsonArray();
        if (oauth.Authorize is not null) uris.Add(new JsonObject { ["url"] = "authorize", ["valueUri"] = oauth.Authorize });
        if (oauth.Token is not null) uris.Add(new JsonObject { ["url"] = "token", ["valueUri"] = oauth.Token });
        return new JsonObject
        {
            ["extension"] = new JsonArray(new JsonObject { ["url"] = OAuthUrisExtension, ["extension"] = uris }),
            ["cors"] = true,
            ["service"] = new JsonArray(new JsonObject
            {
                ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://terminology.hl7.org/CodeSystem/restful-security-service", ["code"] = "SMART-on-FHIR" }),
            }),
            ["description"] = "OAuth 2 bearer tokens (SMART App Launch 2) from the configured OpenID provider.",
        };
    }

    private static JsonObject AuditEventCapability() => new()
    {
        ["type"] = "AuditEvent",
        ["interaction"] = new JsonArray(new JsonObject { ["code"] = "read" }, new JsonObject { ["code"] = "search-type" }),
        ["searchParam"] = new JsonArray(
            new JsonObject { ["name"] = "patient", ["type"] = "reference" },
            new JsonObject { ["name"] = "agent", ["type"] = "reference" },
            new JsonObject { ["name"] = "date", ["type"] = "date" },
            new JsonObject { ["name"] = "outcome", ["type"] = "token" }),
    };

    private sealed record OAuthEndpoints(string? Issuer, string? JwksUri, string? Authorize, string? Token);

    // An app told "no token endpoint" would give up; told 503, it retries once the provider answers again.
    private static Task WriteProviderUnavailableAsync(HttpContext http)
    {
        http.Response.Headers.RetryAfter = "30";
        return FhirResponses.WriteAsync(http, 503, OperationOutcomes.Error("transient",
            "The OpenID provider's discovery document could not be read, so its endpoints are unknown; retry shortly."));
    }

    /// <summary>The provider's endpoints; null when an Authority (or Entra ID tenant) is configured, its discovery document cannot be read
    /// and configuration does not name both endpoints itself.</summary>
    private static async Task<OAuthEndpoints?> OAuthEndpointsAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var options = services.GetRequiredService<IOptionsMonitor<GatewayAuthenticationOptions>>().CurrentValue;
        var development = services.GetService<DevelopmentTokenIssuer>();
        OpenIdConnectConfiguration? discovered = null;
        // Mode EntraId has no Authority: its provider is the tenant's v2.0 metadata, which the bearer scheme reads too.
        if (!string.IsNullOrWhiteSpace(options.Authority) || options.IsEntraId)
        {
            var jwt = services.GetRequiredService<IOptionsMonitor<JwtBearerOptions>>().Get(JwtBearerDefaults.AuthenticationScheme);
            try
            {
                discovered = jwt.ConfigurationManager is null ? null : await jwt.ConfigurationManager.GetConfigurationAsync(cancellationToken);
            }
            catch (InvalidOperationException ex)
            {
                Log.DiscoveryFailed(services.GetRequiredService<ILoggerFactory>().CreateLogger("DsnGateway.Smart"), ex);
                if (options.AuthorizationEndpoint is null || options.TokenEndpoint is null) return null;
            }
        }
        return new OAuthEndpoints(
            discovered?.Issuer ?? options.Authority ?? development?.Issuer,
            discovered?.JwksUri,
            options.AuthorizationEndpoint ?? discovered?.AuthorizationEndpoint,
            options.TokenEndpoint ?? discovered?.TokenEndpoint);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "The OpenID provider's discovery document could not be read")]
        public static partial void DiscoveryFailed(ILogger logger, Exception exception);
    }
}
