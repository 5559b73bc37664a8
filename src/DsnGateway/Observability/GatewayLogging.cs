using Serilog;
using Serilog.Events;
using Serilog.Formatting.Json;

namespace DsnGateway.Observability;

/// <summary>
/// Serilog for the gateway (and the record store run alone, in a file of its own): readable text on the console, one
/// JSON object per line in a daily file under the data directory. Levels can be tuned under the <c>Serilog</c>
/// configuration section.
/// </summary>
public static class GatewayLogging
{
    public static Serilog.ILogger Create(IConfiguration configuration, string logDirectory, string fileName = "gateway")
    {
        Directory.CreateDirectory(logDirectory);
        return new LoggerConfiguration()
            .MinimumLevel.Information()
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
