using DsnGateway.Authentication.EntraId;

namespace DsnGateway.Authentication;

/// <summary>Section <c>Authentication</c>: which OpenID provider issues the access tokens the gateway accepts.</summary>
internal sealed class GatewayAuthenticationOptions
{
    public const string Section = "Authentication";

    /// <summary>Any OpenID provider through JwtBearer (<see cref="Authority"/>): the default.</summary>
    public const string OidcMode = "Oidc";

    /// <summary>Microsoft Entra ID through Microsoft.Identity.Web (<see cref="EntraId"/>).</summary>
    public const string EntraIdMode = "EntraId";

    /// <summary><see cref="OidcMode"/> or <see cref="EntraIdMode"/>; a string so that a misspelt mode is a clear start-up error, not a binder exception.</summary>
    public string Mode { get; set; } = OidcMode;

    public bool IsEntraId => string.Equals(Mode, EntraIdMode, StringComparison.OrdinalIgnoreCase);

    /// <summary>Used when <see cref="Mode"/> is EntraId.</summary>
    public EntraIdOptions EntraId { get; set; } = new();

    /// <summary>The OpenID provider (issuer) URL; its discovery document and JWKS give the signing keys.</summary>
    public string? Authority { get; set; }

    /// <summary>The audience the tokens must carry (this gateway's API identifier).</summary>
    public string Audience { get; set; } = "dsn-gateway";

    /// <summary>Only for tests and laptops: allow an http:// Authority.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>
    /// How long a fetch of the provider's discovery document or JWKS may take before it is given up (the provider is
    /// then unavailable: 503, not a hang). Validated at start: a positive number of seconds, at most 300.
    /// </summary>
    public double BackchannelTimeoutSeconds { get; set; } = 10;

    /// <summary>
    /// The least time between two fetches of the discovery document and JWKS: how soon after a failed fetch the provider
    /// is asked again (tokens are answered 503 meanwhile), and how often a token naming an unknown key may make the
    /// gateway fetch the JWKS. Validated at start: a positive number of seconds, at most 3600.
    /// </summary>
    public double RefreshIntervalSeconds { get; set; } = 30;

    /// <summary>Authorization and token endpoints for SMART discovery, when the provider's discovery document lacks them.</summary>
    public string? AuthorizationEndpoint { get; set; }

    public string? TokenEndpoint { get; set; }

    public ClaimNames Claims { get; set; } = new();

    public DevelopmentIssuerOptions DevelopmentIssuer { get; set; } = new();
}

/// <summary>The names of the claims the gateway reads; an Entra ID deployment sets scp, roles and azp here.</summary>
internal sealed class ClaimNames
{
    public string Subject { get; set; } = "sub";

    /// <summary>Space-separated scopes; <see cref="AlternativeScope"/> (an array or a string) is read when it is absent.</summary>
    public string Scope { get; set; } = "scope";

    public string AlternativeScope { get; set; } = "scp";

    public string Role { get; set; } = "role";

    public string AlternativeRole { get; set; } = "roles";

    public string Establishment { get; set; } = "establishment";

    public string FhirUser { get; set; } = "fhirUser";

    public string Patient { get; set; } = "patient";

    public string ClientId { get; set; } = "client_id";

    public string AlternativeClientId { get; set; } = "azp";
}

/// <summary>The development token issuer: a key of the gateway's own, trusted only in Development.</summary>
internal sealed class DevelopmentIssuerOptions
{
    public bool Enabled { get; set; }

    public string Issuer { get; set; } = "urn:dsn:development-issuer";
}
