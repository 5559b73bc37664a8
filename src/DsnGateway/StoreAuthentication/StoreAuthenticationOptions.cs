using DsnGateway.Runtime;

namespace DsnGateway.StoreAuthentication;

/// <summary>
/// Section <c>Store:Authentication</c>: the record store run alone (<c>store</c>) accepts only bearer tokens from this
/// OpenID provider issued for this audience: the gateway's own client-credentials token (RecordStore:Credentials on the
/// gateway). Unset, the store runs open, as it always did for a store beside the gateway on loopback; outside
/// Development an open store on an address other machines reach is refused (fail closed) unless
/// <see cref="AllowAnonymous"/> says a network boundary alone protects it.
/// </summary>
internal sealed class StoreAuthenticationOptions
{
    public const string Section = "Store:Authentication";

    public string? Authority { get; set; }

    /// <summary>The audience the store's tokens must carry (e.g. <c>dsn-store</c>); a clinician's token, for the gateway, is refused.</summary>
    public string? Audience { get; set; }

    /// <summary>false only for a test provider on plain http.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>Run open on a non-loopback address outside Development, on purpose (a private network, mTLS at a sidecar).</summary>
    public bool AllowAnonymous { get; set; }

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Authority) || !string.IsNullOrWhiteSpace(Audience);

    public static StoreAuthenticationOptions From(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<StoreAuthenticationOptions>() ?? new StoreAuthenticationOptions();

    /// <summary>One line per problem, before the store creates anything.</summary>
    public IReadOnlyList<string> Problems(string urls, string environmentName)
    {
        var problems = new List<string>();
        if (IsConfigured)
        {
            if (string.IsNullOrWhiteSpace(Authority) || string.IsNullOrWhiteSpace(Audience))
                problems.Add($"{Section} is incomplete: set both Authority and Audience, or neither to run the store without authentication.");
            else if (!Uri.TryCreate(Authority, UriKind.Absolute, out var authority) || (authority.Scheme != Uri.UriSchemeHttps && authority.Scheme != Uri.UriSchemeHttp))
                problems.Add($"{Section}:Authority '{Authority}' is not an http(s) URL.");
            else if (RequireHttpsMetadata && authority.Scheme == Uri.UriSchemeHttp)
                problems.Add($"{Section}:Authority {Authority} is plain http: use https (or RequireHttpsMetadata=false for a test provider).");
        }
        else if (!IsDevelopment(environmentName) && !AllowAnonymous && !StartupChecks.IsLoopbackOnly(urls))
        {
            problems.Add($"Refusing to start in {environmentName}: the record store would listen on {urls} without authentication; "
                + $"set {Section}:Authority and Audience (the gateway then calls it with RecordStore:Credentials), "
                + $"or {Section}:AllowAnonymous=true when a network boundary alone protects it.");
        }
        return problems;
    }

    /// <summary>An open store that other machines can reach, allowed only because this is Development: worth a warning.</summary>
    public bool IsOpenBeyondLoopback(string urls) => !IsConfigured && !StartupChecks.IsLoopbackOnly(urls);

    private static bool IsDevelopment(string environmentName) =>
        string.Equals(environmentName, Environments.Development, StringComparison.OrdinalIgnoreCase);
}
