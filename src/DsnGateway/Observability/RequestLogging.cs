using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing;
using Serilog;
using Serilog.Events;

namespace DsnGateway.Observability;

/// <summary>
/// One log line per request, written by Serilog's request logging: method, path (never the query string, which can
/// carry patient names), status and elapsed time, with the request id. The request id is ours: the client's
/// <c>X-Request-Id</c> when it sends a sane one, else a new one; it is echoed on the response, forwarded to the
/// record store (so the store's lines carry it too), and put on every log line written while the request runs.
/// </summary>
internal static partial class RequestLogging
{
    public const string HeaderName = "X-Request-Id";

    /// <summary>
    /// The request line, with the property names the gateway logged before Serilog wrote it (Method, Path, StatusCode,
    /// ElapsedMs), so operators' log queries keep working.
    /// </summary>
    public const string MessageTemplate = "HTTP {Method} {Path} answered {StatusCode} in {ElapsedMs:0.0} ms";

    /// <summary>
    /// The request id and Serilog's request line, first in the pipeline so that the line covers everything after it.
    /// Serilog's middleware is given <paramref name="logger"/>: the static <c>Log.Logger</c> is left alone, so
    /// several gateways in one process (the tests) each log to their own files.
    /// </summary>
    public static IApplicationBuilder UseGatewayRequestLogging(this IApplicationBuilder app, Serilog.ILogger logger)
    {
        var metrics = app.ApplicationServices.GetService<GatewayMetrics>();
        var scopes = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger("DsnGateway.Requests");
        app.Use(async (context, next) =>
        {
            var requestId = AcceptOrCreate(context);
            var failed = true;
            try
            {
                // A logging scope, not Serilog's LogContext: ASP.NET's own request scope also names a RequestId (its
                // connection-based one), and the innermost scope is the one whose value every line of the request
                // gets, whether Serilog's request line or a line logged through ILogger. Outside Serilog's
                // middleware, so its request line carries the id as well.
                using (scopes.BeginScope(new Dictionary<string, object> { ["RequestId"] = requestId }))
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
            // Serilog hands over the path it computed under the option above: Request.Path, never the raw target.
            options.GetMessageTemplateProperties = (context, path, elapsedMs, statusCode) =>
            [
                new LogEventProperty("Method", new ScalarValue(context.Request.Method)),
                new LogEventProperty("Path", new ScalarValue(path)),
                new LogEventProperty("StatusCode", new ScalarValue(statusCode)),
                new LogEventProperty("ElapsedMs", new ScalarValue(elapsedMs)),
            ];
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
