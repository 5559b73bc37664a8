using System.Diagnostics;
using System.Text.RegularExpressions;

namespace DsnGateway.Observability;

/// <summary>
/// Gives every request an id (the client's <c>X-Request-Id</c> when it sends a sane one), echoes it on the
/// response, puts it on every log line written while the request runs, and logs one line per request.
/// Only the method, path and status are logged: never the query string, which can carry patient names.
/// </summary>
public sealed partial class RequestLoggingMiddleware
{
    public const string HeaderName = "X-Request-Id";

    private readonly RequestDelegate _next;
    private readonly ILogger<RequestLoggingMiddleware> _logger;

    public RequestLoggingMiddleware(RequestDelegate next, ILogger<RequestLoggingMiddleware> logger)
    {
        _next = next;
        _logger = logger;
    }

    public async Task InvokeAsync(HttpContext context)
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

        using var scope = _logger.BeginScope(new Dictionary<string, object> { ["RequestId"] = requestId });
        var started = Stopwatch.GetTimestamp();
        try
        {
            await _next(context);
        }
        finally
        {
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            Log.Request(_logger, context.Request.Method, context.Request.Path.Value ?? "/", context.Response.StatusCode, elapsed);
        }
    }

    private static bool IsAcceptable(string value) => value.Length is > 0 and <= 128 && SafeId().IsMatch(value);

    [GeneratedRegex("^[A-Za-z0-9._:-]+$")]
    private static partial Regex SafeId();

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "HTTP {Method} {Path} answered {StatusCode} in {ElapsedMs:0.0} ms")]
        public static partial void Request(ILogger logger, string method, string path, int statusCode, double elapsedMs);
    }
}
