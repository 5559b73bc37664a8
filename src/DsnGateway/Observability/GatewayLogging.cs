using Serilog;
using Serilog.Events;
using Serilog.Formatting.Json;

namespace DsnGateway.Observability;

/// <summary>
/// Serilog for the gateway (and the record store run alone, in a file of its own): readable text on the console, one
/// JSON object per line in a daily file under the data directory. Levels can be tuned under the <c>Serilog</c>
/// configuration section. The gateway and the <c>store</c> command share this set-up and the request line of
/// <see cref="RequestLogging"/>.
/// </summary>
internal static class GatewayLogging
{
    /// <summary>
    /// Makes <paramref name="logger"/> the host's only logging (Serilog.AspNetCore's set-up: its logger factory and the
    /// diagnostic context the request line reads), disposed, so flushed, with the host.
    /// </summary>
    public static WebApplicationBuilder AddGatewayLogging(this WebApplicationBuilder builder, Serilog.ILogger logger)
    {
        builder.Logging.ClearProviders();
        builder.Services.AddSerilog(logger, dispose: true);
        return builder;
    }

    public static Serilog.ILogger Create(IConfiguration configuration, string logDirectory, string fileName = "gateway")
    {
        Directory.CreateDirectory(logDirectory);
        return new LoggerConfiguration()
            .MinimumLevel.Information()
            // Also silences ASP.NET's own request lines, which would carry query strings (patient names); the one
            // request line is Serilog's (RequestLogging), without the query.
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.Hosting.Lifetime", LogEventLevel.Information)
            .MinimumLevel.Override("Yarp", LogEventLevel.Warning)
            // The key ring exists because ASP.NET registers it; nothing of the gateway protects data with it,
            // so its "key stored unencrypted" warning would only alarm an operator for nothing.
            .MinimumLevel.Override("Microsoft.AspNetCore.DataProtection", LogEventLevel.Error)
            .ReadFrom.Configuration(configuration)
            .Enrich.FromLogContext()
            .WriteTo.Console(
                outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj} {RequestId}{NewLine}{Exception}",
                standardErrorFromLevel: LogEventLevel.Verbose)
            .WriteTo.File(
                new JsonFormatter(renderMessage: true),
                Path.Combine(logDirectory, fileName + "-.json"),
                rollingInterval: RollingInterval.Day,
                retainedFileCountLimit: 30)
            .CreateLogger();
    }
}
