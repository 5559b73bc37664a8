using System.Globalization;
using System.Text;
using DsnGateway.Authentication.EntraId;
using DsnGateway.Runtime;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace DsnGateway.Authentication;

/// <summary>
/// Bearer tokens from the configured OpenID provider (keys from its discovery document and JWKS, refreshed
/// when a token names an unknown key) and, in Development only, from the development issuer. Mode Oidc takes any
/// OpenID provider through JwtBearer; mode EntraId takes one Entra ID tenant through Microsoft.Identity.Web and maps
/// its app roles and scopes to the gateway's roles and SMART scopes (ADR 0016).
/// </summary>
internal static class AuthenticationSetup
{
    /// <summary>Where the reason a token was refused is kept for the 401 answer and the audit.</summary>
    public const string FailureItem = "dsn.authentication.failure";


    private static readonly string[] AcceptedAlgorithms = [SecurityAlgorithms.RsaSha256, SecurityAlgorithms.EcdsaSha256];

    /// <summary>The schemes of the options bound and checked by the composition root (<see cref="GatewayAuthenticationOptionsProblems"/>).</summary>
    public static DevelopmentTokenIssuer? AddGatewayAuthentication(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment, GatewayPaths paths)
    {
        var options = configuration.GetSection(GatewayAuthenticationOptions.Section).Get<GatewayAuthenticationOptions>() ?? new GatewayAuthenticationOptions();

        DevelopmentTokenIssuer? developmentIssuer = null;
        if (options.DevelopmentIssuer.Enabled)
        {
            if (!environment.IsDevelopment())
                throw new GatewayStartupException($"Refusing to start in {environment.EnvironmentName}: Authentication:DevelopmentIssuer:Enabled is true, and the development token issuer is trusted only in Development.");
            developmentIssuer = DevelopmentTokenIssuer.Open(paths.DataDirectory, options.DevelopmentIssuer.Issuer, options.Audience);
            services.AddSingleton(developmentIssuer);
        }

        // Key rollover: the provider's keys are fetched again in line with the request that needs them
        // (IdentityModelSwitches, set when this assembly loads).
        var authentication = services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme);
        if (options.IsEntraId)
        {
            var mapping = new EntraClaimsMapping(options, developmentIssuer?.Issuer);
            services.AddSingleton(sp => new CachingTokenHandler(sp.GetRequiredService<TimeProvider>(), mapping.Map, sp.GetService<Observability.GatewayMetrics>()));
            authentication.AddEntraIdBearer(options, developmentIssuer, jwt => ConfigureCommon(jwt, options, developmentIssuer));
            // Only what the mapping wrote counts: Entra's own roles and scp are never read as the gateway's role or SMART scopes.
            services.PostConfigure<GatewayAuthenticationOptions>(o =>
            {
                o.Claims.AlternativeRole = o.Claims.Role;
                o.Claims.AlternativeScope = o.Claims.Scope;
            });
        }
        else
        {
            services.AddSingleton(sp => new CachingTokenHandler(sp.GetRequiredService<TimeProvider>(), metrics: sp.GetService<Observability.GatewayMetrics>()));
            authentication.AddJwtBearer(JwtBearerDefaults.AuthenticationScheme, jwt =>
            {
                ConfigureCommon(jwt, options, developmentIssuer);
                jwt.Audience = options.Audience;
                jwt.RequireHttpsMetadata = options.RequireHttpsMetadata;
                if (!string.IsNullOrWhiteSpace(options.Authority))
                {
                    jwt.Authority = options.Authority;
                }
                else
                {
                    // Development issuer alone: no discovery, the key is local.
                    jwt.Configuration = new OpenIdConnectConfiguration { Issuer = developmentIssuer!.Issuer };
                }
                jwt.TokenValidationParameters.ValidAudience = options.Audience;
            });
        }
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<CachingTokenHandler>((jwt, handler) =>
            {
                jwt.TokenHandlers.Clear();
                jwt.TokenHandlers.Add(handler);
            })
            .PostConfigure(jwt =>
            {
                // Runs after JwtBearer made the configuration manager from the Authority. Its "last known good"
                // fallback would keep accepting a key the provider has withdrawn from its JWKS (for an hour by
                // default): a rotated-out key, perhaps a compromised one, must stop working as soon as it is gone.
                if (jwt.ConfigurationManager is BaseConfigurationManager manager) manager.UseLastKnownGoodConfiguration = false;
            });
        return developmentIssuer;
    }

    /// <summary>What both modes share: claims as the token says them, lifetime, asymmetric algorithms, token types, refreshes, the failure reason.</summary>
    private static void ConfigureCommon(JwtBearerOptions jwt, GatewayAuthenticationOptions options, DevelopmentTokenIssuer? developmentIssuer)
    {
        jwt.MapInboundClaims = false;
        jwt.SaveToken = false;
        // A token signed by a key we have not seen: fetch the JWKS again (key rotation), not more often than this.
        jwt.RefreshOnIssuerKeyNotFound = true;
        jwt.AutomaticRefreshInterval = TimeSpan.FromHours(12);
        jwt.RefreshInterval = TimeSpan.FromSeconds(options.RefreshIntervalSeconds);
        // A provider that does not answer makes the gateway wait this long at most (default 60 s otherwise).
        jwt.BackchannelTimeout = TimeSpan.FromSeconds(options.BackchannelTimeoutSeconds);
        jwt.TokenValidationParameters = new TokenValidationParameters
        {
            ValidateIssuer = true,
            ValidIssuers = developmentIssuer is null ? null : [developmentIssuer.Issuer],
            ValidateAudience = true,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            ClockSkew = TimeSpan.FromSeconds(60),
            ValidateIssuerSigningKey = true,
            RequireSignedTokens = true,
            IssuerSigningKeys = developmentIssuer is null ? null : [developmentIssuer.SigningKey],
            // Asymmetric only: never "none", never an HMAC keyed with a public key.
            ValidAlgorithms = AcceptedAlgorithms,
            TypeValidator = ValidateType,
            NameClaimType = options.Claims.Subject,
            RoleClaimType = options.Claims.Role,
        };
        jwt.Events = new JwtBearerEvents
        {
            OnAuthenticationFailed = context =>
            {
                context.HttpContext.Items[FailureItem] = Describe(context.Exception);
                return Task.CompletedTask;
            },
        };
    }

    /// <summary>RFC 9068 access tokens say typ "at+jwt"; older providers say "JWT" or nothing. Anything else is refused.</summary>
    private static string ValidateType(string? type, SecurityToken token, TokenValidationParameters parameters)
    {
        if (string.IsNullOrEmpty(type)) return "JWT";
        if (type.Equals("at+jwt", StringComparison.OrdinalIgnoreCase) || type.Equals("application/at+jwt", StringComparison.OrdinalIgnoreCase)
            || type.Equals("JWT", StringComparison.OrdinalIgnoreCase))
        {
            return type;
        }
        throw new SecurityTokenInvalidTypeException($"Token type '{type}' is not an access token type.") { InvalidType = type };
    }

    /// <summary>
    /// The Bearer challenge of a 401. The reason may quote a claim of the token (an unknown role, often in French),
    /// and RFC 6750 allows only printable ASCII without '"' or '\' in error_description: accents are dropped, anything
    /// else becomes '?', so the header can neither break (Kestrel refuses non-ASCII and control characters with a 500)
    /// nor gain parameters or lines.
    /// </summary>
    public static string BearerChallenge(string? problem)
    {
        const string Realm = "Bearer realm=\"dsn-gateway\"";
        if (problem is null) return Realm;
        var description = new StringBuilder(problem.Length);
        foreach (var c in problem.Normalize(NormalizationForm.FormD))
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark) continue;
            description.Append(c switch
            {
                '"' => '\'',
                '\\' => '/',
                >= ' ' and <= '~' => c,
                _ => '?',
            });
        }
        return $"{Realm}, error=\"invalid_token\", error_description=\"{description}\"";
    }

    /// <summary>Why a token was refused, in words fit for the client and the audit (no token content).</summary>
    public static string Describe(Exception exception) => exception switch
    {
        SecurityTokenExpiredException => "the token has expired",
        SecurityTokenNotYetValidException => "the token is not yet valid",
        SecurityTokenInvalidIssuerException => "the token's issuer is not trusted",
        SecurityTokenInvalidAudienceException => "the token is not meant for this gateway (audience)",
        SecurityTokenSignatureKeyNotFoundException => "the token is signed by an unknown key",
        SecurityTokenInvalidSignatureException => "the token's signature is invalid",
        SecurityTokenInvalidAlgorithmException => "the token's signing algorithm is not accepted",
        SecurityTokenInvalidTypeException => "the token is not an access token",
        SecurityTokenNoExpirationException => "the token has no expiry",
        SecurityTokenMalformedException or ArgumentException => "the token is malformed",
        _ => "the token is invalid",
    };
}
