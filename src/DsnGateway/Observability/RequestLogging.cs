using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing;
using Serilog;
using Serilog.Context;

namespace DsnGateway.Observability;

/// <summary>
/// One log line per request, written by Serilog's request logging: method, path (never the query string, which can
/// carry patient names), status and elapsed time, with the request id. The request id is ours: the client's
/// <c>X-Request-Id</c> when it sends a sane one, else a new one; it is echoed on the response, forwarded to the
/// record store (so the store's lines carry it too), and put on every log line written while the request runs.
/// </summary>
public static partial class RequestLogging
{
    public const string HeaderName = "X-Request-Id";

    /// <summary>The request line's template; its properties are what the JSON log and the tests rely on.</summary>
    public const string MessageTemplate = "HTTP {RequestMethod} {RequestPath} answered {StatusCode} in {Elapsed:0.0} ms";

    /// <summary>
    /// The request id and Serilog's request line, first in the pipeline so that the line covers everything after it.
    /// Serilog's middleware is given <paramref name="logger"/>: the static <c>Log.Logger</c> is left alone, so
    /// several gateways in one process (the tests) each log to their own files.
    /// </summary>
    public static IApplicationBuilder UseGatewayRequestLogging(this IApplicationBuilder app, Serilog.ILogger logger)
    {
        var metrics = app.ApplicationServices.GetService<GatewayMetrics>();
        app.Use(async (context, next) =>
        {
            var requestId = AcceptOrCreate(context);
            var failed = true;
            try
            {
                // Outside Serilog's middleware, so its request line carries the id as well.
                using (LogContext.PushProperty("RequestId", requestId))
                {
                    await next(context);
                }
                failed = false;
            }
            finally
            {
                // The route template (e.g. /fhir/{**rest}): bounded, unlike the path, and never holding a patient's id.
                var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "(none)";
                metrics?.RequestAnswered(route, failed && !context.Response.HasStarted ? StatusCodes.Status500InternalServerError : context.Response.StatusCode);
            }
        });
        app.UseSerilogRequestLogging(options =>
        {
            options.Logger = logger;
            options.MessageTemplate = MessageTemplate;
            options.IncludeQueryInRequestPath = false; // the default, said out loud: query strings can name patients
        });
        return app;
    }

    private static string AcceptOrCreate(HttpContext context)
    {
        var requestId = context.Request.Headers[HeaderName].ToString();
        if (!IsAcceptable(requestId))
        {
            requestId = Guid.NewGuid().ToString("N");
            // Forwarded to the record store too, so its log lines carry the same id.
            context.Request.Headers[HeaderName] = requestId;
        }
        context.TraceIdentifier = requestId;
        context.Response.OnStarting(() =>
        {
            context.Response.Headers[HeaderName] = requestId;
            return Task.CompletedTask;
        });
        return requestId;
    }

    private static bool IsAcceptable(string value) => value.Length is > 0 and <= 128 && SafeId().IsMatch(value);

    [GeneratedRegex("^[A-Za-z0-9._:-]+$")]
    private static partial Regex SafeId();
}
