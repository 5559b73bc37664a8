using DsnGateway.SmartScopes;

namespace DsnGateway.Authentication.EntraId;

/// <summary>
/// The Entra ID settings checked before the gateway starts, one line per problem naming the key: a gateway that
/// could not tell its tenant's tokens from others', or could give no caller a role, does not start.
/// </summary>
internal static class EntraIdOptionsCheck
{
    public static IEnumerable<string> Problems(GatewayAuthenticationOptions options, IHostEnvironment environment)
    {
        const string Key = "Authentication:EntraId";
        var entra = options.EntraId;
        if (string.IsNullOrWhiteSpace(entra.TenantId))
            yield return $"Authentication:Mode is EntraId but {Key}:TenantId is not set: the tenant whose tokens are accepted must be named.";
        if (string.IsNullOrWhiteSpace(entra.ClientId))
            yield return $"Authentication:Mode is EntraId but {Key}:ClientId (the gateway's app registration) is not set.";
        if (string.IsNullOrWhiteSpace(entra.Audience))
            yield return $"Authentication:Mode is EntraId but {Key}:Audience (the app's Application ID URI or client id) is not set.";
        if (!IsHttps(entra.Instance))
            yield return $"{Key}:Instance '{entra.Instance}' is not an absolute https URL.";
        if (entra.MetadataAddress is { } metadata && !IsHttps(metadata))
            yield return $"{Key}:MetadataAddress '{metadata}' is not an absolute https URL: signing keys are fetched over TLS only.";
        if (!string.IsNullOrWhiteSpace(options.Authority))
            yield return $"Authentication:Authority is for Mode Oidc; in EntraId mode the provider is {Key}:Instance and TenantId (remove one of them).";
        if (entra.ProviderCertificate is { } certificate)
        {
            if (!environment.IsDevelopment())
                yield return $"Refusing to start in {environment.EnvironmentName}: {Key}:ProviderCertificate trusts a certificate outside the system's roots, which only a local test provider needs (Development only).";
            else if (ProviderCertificate.Problem(certificate) is { } problem)
                yield return $"{Key}:ProviderCertificate {problem}";
        }
        if (entra.RoleMap.Count == 0)
            yield return $"{Key}:RoleMap is empty: no Entra app role would give a caller a gateway role ({string.Join(", ", CallerIdentity.Roles)}).";
        foreach (var (appRole, role) in entra.RoleMap)
        {
            if (!CallerIdentity.Roles.Contains(role))
                yield return $"{Key}:RoleMap:{appRole} is '{role}', not one of {string.Join(", ", CallerIdentity.Roles)}.";
        }
        foreach (var (name, map) in new[] { ("ScopeMap", entra.ScopeMap), ("AppRoleScopes", entra.AppRoleScopes) })
        {
            foreach (var (from, scopes) in map)
            {
                var parsed = SmartScopeSet.Parse(scopes);
                if (parsed.InvalidScopes.Count > 0 || parsed.Scopes.Count == 0)
                    yield return $"{Key}:{name}:{from} is '{scopes}', which is not a list of SMART scopes.";
            }
        }
        // The mapping writes the gateway's role and scope claims; reading Entra's own claims under those names would skip it.
        if (options.Claims.Role is "roles" || options.Claims.Scope is "scp")
            yield return "Authentication:Claims:Role and Claims:Scope name the claims the EntraId mapping writes; they cannot be Entra's own 'roles' and 'scp'.";
    }

    private static bool IsHttps(string? url) => Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps;
}
