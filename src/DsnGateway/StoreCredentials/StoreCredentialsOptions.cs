using System.Net;
using DsnGateway.Hosting;

namespace DsnGateway.StoreCredentials;

/// <summary>
/// Section <c>RecordStore:Credentials</c>: the gateway's own OAuth 2 client (client credentials grant) toward a remote
/// record store. The clinician's token is for the gateway alone; the store sees this client's token, on every door
/// (the proxy, the gateway's own checks, delivery of ingested messages, the commands).
/// </summary>
internal sealed class StoreCredentialsOptions
{
    public const string Section = "RecordStore:Credentials";

    /// <summary>The OpenID provider whose discovery document names the token endpoint.</summary>
    public string? Authority { get; set; }

    /// <summary>The token endpoint itself, for a provider without discovery (then <see cref="Authority"/> may stay unset).</summary>
    public string? TokenEndpoint { get; set; }

    public string? ClientId { get; set; }

    /// <summary>Never logged; best set through the environment (<c>DSN_RecordStore__Credentials__ClientSecret</c>).</summary>
    public string? ClientSecret { get; set; }

    /// <summary>Space-separated scopes asked for (e.g. <c>api://dsn-store/.default</c> on Entra ID).</summary>
    public string? Scope { get; set; }

    /// <summary>The store's audience as an RFC 8707 <c>resource</c> parameter, for providers that take the audience so.</summary>
    public string? Audience { get; set; }

    /// <summary>A token is renewed this many seconds before it expires, so none reaches the store about to lapse.</summary>
    public int RenewBeforeSeconds { get; set; } = 60;

    /// <summary>How long one call to the provider (discovery or token) may take.</summary>
    public int TimeoutSeconds { get; set; } = 10;

    /// <summary>
    /// After the token endpoint failed, callers within this many seconds get the same failure at once instead of a new
    /// request each: thousands of clinicians must not hammer a provider that is down.
    /// </summary>
    public int RetryAfterFailureSeconds { get; set; } = 2;

    /// <summary>The provider over https (plain http is allowed on loopback only); false only for a test provider elsewhere.</summary>
    public bool RequireHttps { get; set; } = true;

    /// <summary>True when any of the client's settings is given: then all that are needed must be.</summary>
    public bool IsConfigured =>
        !string.IsNullOrWhiteSpace(Authority) || !string.IsNullOrWhiteSpace(TokenEndpoint) || !string.IsNullOrWhiteSpace(ClientId)
        || !string.IsNullOrWhiteSpace(ClientSecret) || !string.IsNullOrWhiteSpace(Scope) || !string.IsNullOrWhiteSpace(Audience);

    public static StoreCredentialsOptions From(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<StoreCredentialsOptions>() ?? new StoreCredentialsOptions();

    /// <summary>One line per problem, checked before the start: a partial client is refused rather than run without credentials.</summary>
    public IReadOnlyList<string> Problems(RecordStoreConnectionOptions store)
    {
        if (!IsConfigured) return [];
        var problems = new List<string>();
        if (store.Mode != RecordStoreMode.Remote) return problems; // credentials for a remote store; the embedded one needs none
        var missing = new List<string>();
        if (string.IsNullOrWhiteSpace(Authority) && string.IsNullOrWhiteSpace(TokenEndpoint)) missing.Add("Authority (or TokenEndpoint)");
        if (string.IsNullOrWhiteSpace(ClientId)) missing.Add("ClientId");
        if (string.IsNullOrWhiteSpace(ClientSecret)) missing.Add("ClientSecret");
        if (missing.Count > 0)
            problems.Add($"{Section} is incomplete: {string.Join(", ", missing)} missing; set all of them, or none to call the store without credentials.");
        if (!string.IsNullOrWhiteSpace(store.RemoteAuthorization))
            problems.Add($"RecordStore:RemoteAuthorization and {Section} are both set: the store gets one Authorization header; keep one of them.");
        foreach (var (name, value) in new[] { ("Authority", Authority), ("TokenEndpoint", TokenEndpoint) })
        {
            if (string.IsNullOrWhiteSpace(value)) continue;
            if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
                problems.Add($"{Section}:{name} '{value}' is not an http(s) URL.");
            else if (RequireHttps && uri.Scheme == Uri.UriSchemeHttp && !IsLoopback(uri))
                problems.Add($"{Section}:{name} {value} is plain http: the client secret would cross the network in clear; use https (or RequireHttps=false for a test provider).");
        }
        if (RenewBeforeSeconds < 0) problems.Add($"{Section}:RenewBeforeSeconds must be 0 or more.");
        if (TimeoutSeconds <= 0) problems.Add($"{Section}:TimeoutSeconds must be more than 0.");
        if (RetryAfterFailureSeconds < 0) problems.Add($"{Section}:RetryAfterFailureSeconds must be 0 or more.");
        return problems;
    }

    internal static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
}
