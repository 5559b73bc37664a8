using System.Net;
using DsnGateway.Runtime;

namespace DsnGateway.StoreCredentials;

/// <summary>
/// Section <c>RecordStore:Credentials</c>: the gateway's own OAuth 2 client (client credentials grant) toward a remote
/// record store, from any OpenID provider (Duende.IdentityModel) or, in mode <c>EntraId</c>, from Microsoft Entra ID
/// with a secret or a certificate (MSAL). The clinician's token is for the gateway alone; the store sees this client's token, on every door
/// (the proxy, the gateway's own checks, delivery of ingested messages, the commands).
/// </summary>
internal sealed class StoreCredentialsOptions
{
    public const string Section = "RecordStore:Credentials";

    /// <summary><c>ClientCredentials</c> (the default: any OpenID provider) or <c>EntraId</c> (implied by Instance or TenantId).</summary>
    public string? Mode { get; set; }

    /// <summary>EntraId: the cloud instance, e.g. <c>https://login.microsoftonline.com/</c>.</summary>
    public string? Instance { get; set; }

    /// <summary>EntraId: the tenant the gateway's app registration belongs to.</summary>
    public string? TenantId { get; set; }

    /// <summary>EntraId: the app's certificate, PFX/PKCS#12 (with <see cref="CertificatePassword"/>) or PEM (with <see cref="CertificateKeyPath"/>).</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The PFX's password. Never logged; best set through the environment.</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>The PEM private key of a PEM certificate (encrypted if <see cref="CertificatePassword"/> is set).</summary>
    public string? CertificateKeyPath { get; set; }

    /// <summary>
    /// EntraId, Development only: a certificate trusted as a root for the token endpoint alone (a local test provider
    /// with a development certificate), as <c>Authentication:EntraId:ProviderCertificate</c> is for the inbound side.
    /// </summary>
    public string? ProviderCertificate { get; set; }

    /// <summary>Mode EntraId, named or implied by Instance or TenantId.</summary>
    public bool IsEntraId =>
        string.Equals(Mode, "EntraId", StringComparison.OrdinalIgnoreCase) || !string.IsNullOrWhiteSpace(Instance) || !string.IsNullOrWhiteSpace(TenantId);

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
        || !string.IsNullOrWhiteSpace(ClientSecret) || !string.IsNullOrWhiteSpace(Scope) || !string.IsNullOrWhiteSpace(Audience)
        || !string.IsNullOrWhiteSpace(Mode) || IsEntraId || !string.IsNullOrWhiteSpace(CertificatePath) || !string.IsNullOrWhiteSpace(CertificateKeyPath);

    public static StoreCredentialsOptions From(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<StoreCredentialsOptions>() ?? new StoreCredentialsOptions();

    /// <summary>One line per problem, checked before the start: a partial client is refused rather than run without credentials.</summary>
    public IReadOnlyList<string> Problems(RecordStoreConnectionOptions store, string environmentName)
    {
        if (!IsConfigured) return [];
        var problems = new List<string>();
        if (store.Mode != RecordStoreMode.Remote) return problems; // credentials for a remote store; the embedded one needs none
        if (!string.IsNullOrWhiteSpace(store.RemoteAuthorization))
            problems.Add($"RecordStore:RemoteAuthorization and {Section} are both set: the store gets one Authorization header; keep one of them.");
        if (!string.IsNullOrWhiteSpace(Mode) && !string.Equals(Mode, "EntraId", StringComparison.OrdinalIgnoreCase)
            && !string.Equals(Mode, "ClientCredentials", StringComparison.OrdinalIgnoreCase))
            problems.Add($"{Section}:Mode '{Mode}' is neither ClientCredentials nor EntraId.");
        else if (IsEntraId)
            problems.AddRange(EntraIdProblems(environmentName));
        else
            problems.AddRange(ClientCredentialsProblems());
        if (RenewBeforeSeconds < 0) problems.Add($"{Section}:RenewBeforeSeconds must be 0 or more.");
        if (TimeoutSeconds <= 0) problems.Add($"{Section}:TimeoutSeconds must be more than 0.");
        if (RetryAfterFailureSeconds < 0) problems.Add($"{Section}:RetryAfterFailureSeconds must be 0 or more.");
        return problems;
    }

    private List<string> ClientCredentialsProblems()
    {
        var problems = new List<string>();
        if (!string.IsNullOrWhiteSpace(CertificatePath) || !string.IsNullOrWhiteSpace(CertificateKeyPath))
            problems.Add($"{Section}:CertificatePath is for Mode=EntraId only; the client credentials grant here sends ClientSecret.");
        var missing = new List<string>();
        if (string.IsNullOrWhiteSpace(Authority) && string.IsNullOrWhiteSpace(TokenEndpoint)) missing.Add("Authority (or TokenEndpoint)");
        if (string.IsNullOrWhiteSpace(ClientId)) missing.Add("ClientId");
        if (string.IsNullOrWhiteSpace(ClientSecret)) missing.Add("ClientSecret");
        if (missing.Count > 0)
            problems.Add($"{Section} is incomplete: {string.Join(", ", missing)} missing; set all of them, or none to call the store without credentials.");
        foreach (var (name, value) in new[] { ("Authority", Authority), ("TokenEndpoint", TokenEndpoint) })
        {
            if (string.IsNullOrWhiteSpace(value)) continue;
            if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
                problems.Add($"{Section}:{name} '{value}' is not an http(s) URL.");
            else if (RequireHttps && uri.Scheme == Uri.UriSchemeHttp && !IsLoopback(uri))
                problems.Add($"{Section}:{name} {value} is plain http: the client secret would cross the network in clear; use https (or RequireHttps=false for a test provider).");
        }
        return problems;
    }

    /// <summary>Mode EntraId: the tenant, the app, exactly one credential that loads, and one <c>.default</c> scope.</summary>
    private List<string> EntraIdProblems(string environmentName)
    {
        var problems = new List<string>();
        var missing = new List<string>();
        if (string.IsNullOrWhiteSpace(Instance)) missing.Add("Instance");
        if (string.IsNullOrWhiteSpace(TenantId)) missing.Add("TenantId");
        if (string.IsNullOrWhiteSpace(ClientId)) missing.Add("ClientId");
        if (string.IsNullOrWhiteSpace(Scope)) missing.Add("Scope");
        if (missing.Count > 0)
            problems.Add($"{Section} (EntraId) is incomplete: {string.Join(", ", missing)} missing; set all of them, or none to call the store without credentials.");
        if (!string.IsNullOrWhiteSpace(Authority) || !string.IsNullOrWhiteSpace(TokenEndpoint) || !string.IsNullOrWhiteSpace(Audience))
            problems.Add($"{Section}:Authority, TokenEndpoint and Audience are not used with Mode=EntraId (Instance, TenantId and Scope name the token endpoint and the store); remove them.");
        if (!string.IsNullOrWhiteSpace(Instance)
            && (!Uri.TryCreate(Instance, UriKind.Absolute, out var instance) || instance.Scheme != Uri.UriSchemeHttps))
            problems.Add($"{Section}:Instance '{Instance}' is not an https URL (e.g. https://login.microsoftonline.com/).");
        // Entra ID's client credentials grant takes one resource's statically consented permissions: "<app id uri>/.default".
        if (!string.IsNullOrWhiteSpace(Scope)
            && (Scope.Split(' ', StringSplitOptions.RemoveEmptyEntries) is not [var single] || !single.EndsWith("/.default", StringComparison.Ordinal)))
            problems.Add($"{Section}:Scope '{Scope}' must be one scope ending in /.default (e.g. api://dsn-store/.default): Entra ID grants an app only its consented permissions.");
        var hasSecret = !string.IsNullOrWhiteSpace(ClientSecret);
        var hasCertificate = !string.IsNullOrWhiteSpace(CertificatePath);
        if (hasSecret && hasCertificate)
            problems.Add($"{Section}: ClientSecret and CertificatePath are both set; keep one credential.");
        else if (!hasSecret && !hasCertificate)
            problems.Add($"{Section} (EntraId) has no credential: set ClientSecret or CertificatePath.");
        else if (hasCertificate && StoreClientCertificate.Problem(this) is { } certificate)
            problems.Add($"{Section}:CertificatePath {certificate}");
        if (!hasCertificate && !string.IsNullOrWhiteSpace(CertificateKeyPath))
            problems.Add($"{Section}:CertificateKeyPath is set without CertificatePath.");
        if (!string.IsNullOrWhiteSpace(ProviderCertificate))
        {
            if (!string.Equals(environmentName, "Development", StringComparison.OrdinalIgnoreCase))
                problems.Add($"Refusing to start in {environmentName}: {Section}:ProviderCertificate trusts a certificate outside the system's roots, which only a local test provider needs (Development only).");
            else if (Authentication.EntraId.ProviderCertificate.Problem(ProviderCertificate) is { } pinned)
                problems.Add($"{Section}:ProviderCertificate {pinned}");
        }
        return problems;
    }

    internal static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
}
