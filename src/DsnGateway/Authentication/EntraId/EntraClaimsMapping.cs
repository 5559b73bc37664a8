using System.Security.Claims;

namespace DsnGateway.Authentication.EntraId;

/// <summary>
/// Turns an Entra ID token's app roles (<c>roles</c>) and delegated scopes (<c>scp</c>) into the claims the gateway
/// reads (its role and SMART scopes under the configured claim names), so that <see cref="CallerIdentityReader"/>
/// and everything after it work the same in both modes. Runs once per token, on the identity the validation cache
/// then keeps. Only what the mapping yields counts: a role or scope claim the token carries under the gateway's
/// names is dropped, and an app role or scope without a mapping gives nothing (the reader then refuses the token).
/// </summary>
internal sealed class EntraClaimsMapping
{
    private const string EntraRoles = "roles";
    private const string EntraScopes = "scp";
    private readonly EntraIdOptions _entra;
    private readonly ClaimNames _names;
    private readonly string? _developmentIssuer;

    public EntraClaimsMapping(GatewayAuthenticationOptions options, string? developmentIssuer)
    {
        _entra = options.EntraId;
        _names = options.Claims;
        _developmentIssuer = developmentIssuer;
    }

    public void Map(ClaimsIdentity identity)
    {
        // The development issuer's tokens already speak the gateway's claims (Development only).
        if (_developmentIssuer is not null && identity.FindFirst("iss")?.Value == _developmentIssuer) return;
        var issuer = _entra.EffectiveIssuer;

        foreach (var claim in identity.FindAll(c => c.Type == _names.Role || c.Type == _names.Scope).ToList()) identity.TryRemoveClaim(claim);

        var appRoles = identity.FindAll(EntraRoles).Select(c => c.Value).ToList();
        foreach (var role in appRoles.Select(r => _entra.RoleMap.GetValueOrDefault(r)).OfType<string>().Distinct(StringComparer.Ordinal))
        {
            identity.AddClaim(new Claim(_names.Role, role, ClaimValueTypes.String, issuer));
        }

        var scopes = new List<string>();
        if (_entra.SmartScopeClaim is { Length: > 0 } smartClaim) scopes.AddRange(identity.FindAll(smartClaim).SelectMany(c => Split(c.Value)));
        scopes.AddRange(identity.FindAll(EntraScopes).SelectMany(c => Split(c.Value)).Select(s => _entra.ScopeMap.GetValueOrDefault(s)).OfType<string>().SelectMany(Split));
        scopes.AddRange(appRoles.Select(r => _entra.AppRoleScopes.GetValueOrDefault(r)).OfType<string>().SelectMany(Split));
        if (scopes.Count > 0) identity.AddClaim(new Claim(_names.Scope, string.Join(' ', scopes.Distinct(StringComparer.Ordinal)), ClaimValueTypes.String, issuer));

        if (_entra.Establishment is { Length: > 0 } establishment && identity.FindFirst(_names.Establishment) is null)
            identity.AddClaim(new Claim(_names.Establishment, establishment, ClaimValueTypes.String, issuer));
    }

    private static string[] Split(string value) => value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
