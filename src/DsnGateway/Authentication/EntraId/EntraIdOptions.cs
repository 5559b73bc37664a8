namespace DsnGateway.Authentication.EntraId;

/// <summary>
/// Section <c>Authentication:EntraId</c>: the Entra ID tenant and app registration whose access tokens the gateway
/// accepts, and how Entra's scopes and app roles become the gateway's roles and SMART scopes. Entra scope names
/// cannot be SMART's (no '/'), so SMART scopes come from a mapping or from a claim the tenant adds.
/// </summary>
internal sealed class EntraIdOptions
{
    /// <summary>The cloud instance; another one for sovereign clouds.</summary>
    public string Instance { get; set; } = "https://login.microsoftonline.com/";

    /// <summary>The tenant (directory) id: only its tokens are accepted (<c>tid</c> and issuer).</summary>
    public string? TenantId { get; set; }

    /// <summary>The gateway's app registration (application id).</summary>
    public string? ClientId { get; set; }

    /// <summary>The audience the tokens must carry: the app's Application ID URI (<c>api://…</c>) or its client id.</summary>
    public string? Audience { get; set; }

    /// <summary>The issuer the tenant's tokens carry; by default <c>{Instance}{TenantId}/v2.0</c>, Entra's v2.0 issuer.</summary>
    public string? Issuer { get; set; }

    /// <summary>The v2.0 discovery document; by default <c>{Instance}{TenantId}/v2.0/.well-known/openid-configuration</c>.</summary>
    public string? MetadataAddress { get; set; }

    /// <summary>
    /// Development only: a certificate file (PEM or DER) trusted as the root of the metadata and JWKS server's
    /// certificate, for that backchannel alone; for a local provider shaped like Entra. Entra ID itself needs none.
    /// </summary>
    public string? ProviderCertificate { get; set; }

    /// <summary>The establishment of callers whose token has no establishment claim (a hospital's own tenant is one establishment).</summary>
    public string? Establishment { get; set; }

    /// <summary>A claim holding SMART scopes as they are (e.g. an optional claim the tenant adds); none by default.</summary>
    public string? SmartScopeClaim { get; set; }

    /// <summary>Entra app role value → gateway role (clinician, privacy-officer, system, admin).</summary>
    public Dictionary<string, string> RoleMap { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Entra delegated scope (<c>scp</c>) → SMART scopes, space-separated.</summary>
    public Dictionary<string, string> ScopeMap { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Entra app role (<c>roles</c>) → SMART scopes, space-separated: app-only tokens (system senders) have no scp.</summary>
    public Dictionary<string, string> AppRoleScopes { get; set; } = new(StringComparer.Ordinal);

    public string InstanceBase => Instance.TrimEnd('/') + "/";

    public string EffectiveIssuer => Issuer ?? $"{InstanceBase}{TenantId}/v2.0";

    public string EffectiveMetadataAddress => MetadataAddress ?? $"{InstanceBase}{TenantId}/v2.0/.well-known/openid-configuration";
}
