using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace DsnGateway.Observability;

internal static class TelemetryServiceCollectionExtensions
{
    /// <summary>
    /// <see cref="GatewayMetrics"/> (the <c>DsnGateway</c> meter) and, when <c>Telemetry:Otlp:Endpoint</c> is set, the
    /// OpenTelemetry SDK pushing it and ASP.NET Core's own HTTP metrics to that collector. Off by default: no SDK, no
    /// background exporter, nothing listens. No Prometheus scrape endpoint: its exporter is still a beta.
    /// </summary>
    public static IServiceCollection AddGatewayTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(TelemetryOptions.Section);
        services.AddMetrics();
        services.AddSingleton<GatewayMetrics>();

        var options = section.Get<TelemetryOptions>() ?? new TelemetryOptions();
        if (!options.ExportsOtlp) return services;
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(options.Otlp.ServiceName))
            .WithMetrics(metrics => metrics
                .AddMeter(GatewayMetrics.MeterName)
                .AddAspNetCoreInstrumentation()
                .AddOtlpExporter((exporter, reader) =>
                {
                    exporter.Endpoint = new Uri(options.Otlp.Endpoint!);
                    exporter.Protocol = options.Otlp.Protocol == "grpc" ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
                    reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = options.Otlp.ExportIntervalSeconds * 1000;
                }));
        return services;
    }
}
