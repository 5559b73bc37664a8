using DsnGateway.OptionsValidation;
using DsnGateway.Authentication.EntraId;

namespace DsnGateway.Authentication;

/// <summary>
/// Section <c>Authentication</c>: a known mode, and for it a provider (Oidc: an Authority; EntraId: tenant, client and
/// audience, mappings that give roles and SMART scopes), with bounded deadlines toward it. Without a provider no token
/// can be validated, and the gateway does not run open; only Development may rely on its own issuer instead.
/// </summary>
internal sealed class GatewayAuthenticationOptionsProblems(IHostEnvironment environment) : OptionsProblems<GatewayAuthenticationOptions>
{
    public override IEnumerable<string> Problems(GatewayAuthenticationOptions options)
    {
        const string Section = GatewayAuthenticationOptions.Section;
        foreach (var problem in ProviderProblems(options)) yield return problem;
        if (!options.IsEntraId && !string.IsNullOrWhiteSpace(options.Authority) && !ValidatedOptions.IsHttpUrl(options.Authority))
            yield return $"{Section}:Authority '{options.Authority}' is not an http(s) URL (the OpenID provider's issuer, e.g. https://login.example/realms/dsn).";
        if (!(options.BackchannelTimeoutSeconds is > 0 and <= 300))
            yield return $"{Section}:BackchannelTimeoutSeconds '{ValidatedOptions.Seconds(options.BackchannelTimeoutSeconds)}' is not a number of seconds between 0 and 300 (e.g. 10).";
        if (!(options.RefreshIntervalSeconds is > 0 and <= 3600))
            yield return $"{Section}:RefreshIntervalSeconds '{ValidatedOptions.Seconds(options.RefreshIntervalSeconds)}' is not a number of seconds between 0 and 3600 (e.g. 30).";
        if (string.IsNullOrWhiteSpace(options.Audience) && !options.IsEntraId)
            yield return $"{Section}:Audience is empty: tokens must name this gateway (e.g. dsn-gateway).";
    }

    private IEnumerable<string> ProviderProblems(GatewayAuthenticationOptions options)
    {
        if (options.IsEntraId) return EntraIdOptionsCheck.Problems(options, environment);
        if (!string.Equals(options.Mode, GatewayAuthenticationOptions.OidcMode, StringComparison.OrdinalIgnoreCase))
            return [$"Authentication:Mode '{options.Mode}' is neither {GatewayAuthenticationOptions.OidcMode} nor {GatewayAuthenticationOptions.EntraIdMode}."];
        var developmentIssuer = options.DevelopmentIssuer.Enabled && environment.IsDevelopment();
        return string.IsNullOrWhiteSpace(options.Authority) && !developmentIssuer
            ? ["Authentication:Authority (the OpenID provider) is required: without it no token can be validated, and the gateway does not run open."]
            : [];
    }
}
