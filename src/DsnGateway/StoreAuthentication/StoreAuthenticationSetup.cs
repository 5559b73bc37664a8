using DsnGateway.Fhir.Outcomes;
using DsnGateway.RecordStore.Http;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;

namespace DsnGateway.StoreAuthentication;

/// <summary>
/// The record store's own gate when it runs alone: JwtBearer against the configured provider and audience, and every
/// request (metadata included: nothing of the store is for anyone but the gateway) refused with 401 and an
/// OperationOutcome without a valid token. The reason is logged, never the token.
/// </summary>
internal static partial class StoreAuthenticationSetup
{
    public static void AddStoreAuthentication(this IServiceCollection services, StoreAuthenticationOptions options)
    {
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer(JwtBearerDefaults.AuthenticationScheme, jwt =>
            {
                jwt.Authority = options.Authority;
                jwt.Audience = options.Audience;
                jwt.RequireHttpsMetadata = options.RequireHttpsMetadata;
                jwt.MapInboundClaims = false;
                jwt.TokenValidationParameters.ValidateAudience = true;
                jwt.TokenValidationParameters.ValidAudience = options.Audience;
                jwt.TokenValidationParameters.ValidateIssuer = true;
                jwt.TokenValidationParameters.ValidateLifetime = true;
                jwt.TokenValidationParameters.ClockSkew = TimeSpan.FromSeconds(30);
            });
    }

    public static void UseStoreAuthentication(this IApplicationBuilder app)
    {
        var logger = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger("DsnGateway.Store.Authentication");
        app.Use(async (context, next) =>
        {
            var result = await context.AuthenticateAsync(JwtBearerDefaults.AuthenticationScheme);
            if (result.Succeeded)
            {
                context.User = result.Principal!;
                await next();
                return;
            }
            var why = result.None ? "no bearer token" : result.Failure?.GetType().Name ?? "invalid token";
            Log.Refused(logger, why);
            context.Response.Headers.WWWAuthenticate = result.None ? "Bearer" : "Bearer error=\"invalid_token\"";
            await FhirResponses.WriteAsync(context, StatusCodes.Status401Unauthorized, OperationOutcomes.Error("login",
                result.None ? "The record store needs a bearer token." : "The record store refused the token (wrong issuer, audience or signature, or expired)."));
        });
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Record store: request refused, {Reason}")]
        public static partial void Refused(ILogger logger, string reason);
    }
}
