using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Identity.Web;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace DsnGateway.Authentication.EntraId;

/// <summary>
/// Mode EntraId: Microsoft.Identity.Web's web API set-up (v2.0 authority and metadata from the instance and tenant,
/// Entra's signing-key issuer check) with the gateway's own rules on top: one tenant only (its issuer and its
/// <c>tid</c>), the configured audience, and no claim-based shortcut (ACL mode), since the gateway decides access
/// itself from the mapped role and SMART scopes.
/// </summary>
internal static class EntraIdAuthentication
{
    private const string TenantClaim = "tid";

    public static AuthenticationBuilder AddEntraIdBearer(this AuthenticationBuilder builder, GatewayAuthenticationOptions options, DevelopmentTokenIssuer? developmentIssuer, Action<JwtBearerOptions> configureCommon)
    {
        var entra = options.EntraId;
        var issuer = entra.EffectiveIssuer;
        var tenant = entra.TenantId!;
        builder.AddMicrosoftIdentityWebApi(
            jwt =>
            {
                configureCommon(jwt);
                jwt.RequireHttpsMetadata = true;
                // Spelled out rather than derived by Identity.Web, so the v2.0 document is fetched whatever the instance is.
                jwt.MetadataAddress = entra.EffectiveMetadataAddress;
                if (entra.ProviderCertificate is { } certificate) jwt.BackchannelHttpHandler = ProviderCertificate.Handler(certificate);
                var audiences = new List<string> { entra.Audience! };
                if (developmentIssuer is not null) audiences.Add(options.Audience);
                jwt.TokenValidationParameters.ValidAudiences = audiences;
                // Set here, so Identity.Web keeps it: its multi-tenant validator would accept any tenant's issuer and,
                // for an instance it does not know, ask Microsoft's instance discovery endpoint over the network.
                jwt.TokenValidationParameters.IssuerValidator = (tokenIssuer, token, _) => ValidateIssuer(tokenIssuer, token, issuer, tenant, developmentIssuer?.Issuer);
            },
            identity =>
            {
                identity.Instance = entra.InstanceBase;
                identity.TenantId = tenant;
                identity.ClientId = entra.ClientId;
                // The gateway refuses tokens without a mapped role or SMART scope itself (401, audited, reason given).
                identity.AllowWebApiToBeAuthorizedByACL = true;
            },
            JwtBearerDefaults.AuthenticationScheme);
        return builder;
    }

    /// <summary>The token's issuer is the tenant's, and its tid says the same tenant; or, in Development, the development issuer.</summary>
    internal static string ValidateIssuer(string tokenIssuer, SecurityToken token, string issuer, string tenant, string? developmentIssuer)
    {
        if (developmentIssuer is not null && string.Equals(tokenIssuer, developmentIssuer, StringComparison.Ordinal)) return tokenIssuer;
        var tid = token is JsonWebToken jwt && jwt.TryGetPayloadValue<string>(TenantClaim, out var value) ? value : null;
        if (!string.Equals(tid, tenant, StringComparison.OrdinalIgnoreCase))
            throw new SecurityTokenInvalidIssuerException("The token's tenant (tid) is not the configured tenant.") { InvalidIssuer = tokenIssuer };
        if (!string.Equals(tokenIssuer, issuer, StringComparison.OrdinalIgnoreCase))
            throw new SecurityTokenInvalidIssuerException("The token's issuer is not the configured tenant's.") { InvalidIssuer = tokenIssuer };
        return tokenIssuer;
    }
}
