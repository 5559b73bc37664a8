using System.Text.Json.Nodes;
using DsnGateway.Authentication;
using DsnGateway.Fhir.Outcomes;
using DsnGateway.Fhir.Serialization;
using DsnGateway.Runtime;
using DsnGateway.Proxy;
using DsnGateway.RecordStore.Http;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Task = System.Threading.Tasks.Task;

namespace DsnGateway.Smart;

/// <summary>
/// What a SMART app needs before it has a token, answered by the gateway itself: the CapabilityStatement
/// (the store's, with the security section of this gateway's OpenID provider) and SMART discovery, which
/// SMART App Launch 2 puts under the FHIR base.
/// </summary>
internal static partial class SmartEndpoints
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

    /// <summary>Discovery (GET only: any other method on these paths goes to the record store, authorized), in one group.</summary>
    public static RouteGroupBuilder MapSmartEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var discovery = endpoints.MapGroup("");
        discovery.MapGet("/fhir/metadata", async (HttpContext http, RecordStoreClient store, IServiceProvider services) =>
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
            CapabilityStatement capability;
            try
            {
                capability = FhirJson.Parse<CapabilityStatement>(await response.Content.ReadAsByteArrayAsync(http.RequestAborted));
            }
            catch (FhirParseException)
            {
                // The store's answer is not a CapabilityStatement Firely reads: the store's failure (never a 500).
                await FhirResponses.WriteAsync(http, 503, OperationOutcomes.Error("transient", "The record store did not answer its capabilities; retry shortly."));
                return;
            }
            var publicBase = services.GetRequiredService<IOptionsMonitor<GatewayOptions>>().CurrentValue.PublicFhirBase(http.Request);
            capability.Implementation = new CapabilityStatement.ImplementationComponent { Description = "DSN gateway", Url = publicBase };
            if (capability.Rest.Count > 0)
            {
                var server = capability.Rest[0];
                server.Security = Security(oauth);
                // The gateway offers less than the store behind it: no transactions or batches (system senders
                // write through ingestion), only the types callers may touch, and the audit it answers itself.
                server.Interaction = [];
                if (server.Resource.Count > 0)
                {
                    server.Resource.RemoveAll(r => !Offered(r.Type));
                    server.Resource.Add(AuditEventCapability());
                }
            }
            await FhirResponses.WriteAsync(http, 200, capability);
        });

        discovery.MapGet("/fhir/.well-known/smart-configuration", async (HttpContext http, IServiceProvider services) =>
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
        return discovery;
    }

    private static bool Offered(string? type) =>
        type is not null && (Authorization.CareRelationshipPolicy.PatientLink.ContainsKey(type) || Authorization.CareRelationshipPolicy.ReferenceData.Contains(type));

    private static CapabilityStatement.SecurityComponent Security(OAuthEndpoints oauth)
    {
        var uris = new Extension { Url = OAuthUrisExtension };
        if (oauth.Authorize is not null) uris.Extension.Add(new Extension("authorize", new FhirUri(oauth.Authorize)));
        if (oauth.Token is not null) uris.Extension.Add(new Extension("token", new FhirUri(oauth.Token)));
        return new CapabilityStatement.SecurityComponent
        {
            Extension = [uris],
            Cors = true,
            Service = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/restful-security-service", "SMART-on-FHIR")],
            Description = "OAuth 2 bearer tokens (SMART App Launch 2) from the configured OpenID provider.",
        };
    }

    private static CapabilityStatement.ResourceComponent AuditEventCapability() => new()
    {
        Type = "AuditEvent",
        Interaction =
        [
            new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.Read },
            new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.SearchType },
        ],
        SearchParam =
        [
            new CapabilityStatement.SearchParamComponent { Name = "patient", Type = SearchParamType.Reference },
            new CapabilityStatement.SearchParamComponent { Name = "agent", Type = SearchParamType.Reference },
            new CapabilityStatement.SearchParamComponent { Name = "date", Type = SearchParamType.Date },
            new CapabilityStatement.SearchParamComponent { Name = "outcome", Type = SearchParamType.Token },
        ],
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
