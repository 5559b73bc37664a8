using DsnGateway.Fhir.Outcomes;
using DsnGateway.RecordStore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace DsnGateway.StoreCredentials;

/// <summary>
/// The proxy's answer when the gateway's own credentials fail, as an OperationOutcome: 503 (transient, Retry-After)
/// when no token could be had, instead of YARP's bare 502; and 502 when the store refused the gateway's token even after
/// a new one, instead of passing the store's 401 on (the clinician's token is fine: a 401 would tell their app to log in
/// again). Runs inside the access middleware, whose answer is still held in memory, so it can be replaced.
/// </summary>
internal static partial class StoreCredentialsErrors
{
    private static readonly object AnsweredKey = new();

    /// <summary>This request's answer is the credentials failure's: the access middleware's store-failure answer must not replace it.</summary>
    public static bool Answered(HttpContext context) => context.Items.ContainsKey(AnsweredKey);

    public static IApplicationBuilder UseStoreCredentialsErrors(this IApplicationBuilder pipeline) =>
        pipeline.Use(async (context, next) =>
        {
            await next();
            if (context.Response.HasStarted) return;
            var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(StoreCredentialsErrors).FullName!);
            if (IsCredentialsFailure(context.GetForwarderErrorFeature()?.Exception))
            {
                context.Items[AnsweredKey] = true;
                context.Response.Clear();
                context.Response.Headers.RetryAfter = "5";
                await FhirResponses.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, OperationOutcomes.Error("transient",
                    "The gateway could not obtain its credentials for the record store; retry shortly."));
            }
            else if (context.Response.StatusCode == StatusCodes.Status401Unauthorized)
            {
                Log.StoreRefusedGateway(logger);
                context.Items[AnsweredKey] = true;
                context.Response.Clear();
                await FhirResponses.WriteAsync(context, StatusCodes.Status502BadGateway, OperationOutcomes.Error("security",
                    "The record store refused the gateway's credentials."));
            }
        });

    private static bool IsCredentialsFailure(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
            if (e is StoreCredentialsUnavailableException) return true;
        return false;
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Error, "The record store refused the gateway's access token (401): check RecordStore:Credentials and the store's audience")]
        public static partial void StoreRefusedGateway(ILogger logger);
    }
}
