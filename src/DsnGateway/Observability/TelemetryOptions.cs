namespace DsnGateway.Observability;

/// <summary>
/// <c>Telemetry</c> section. Metrics are always recorded in process (cheap, and a <c>MeterListener</c> or
/// <c>dotnet-counters</c> can read them); they leave the process only when an OTLP endpoint is configured.
/// </summary>
internal sealed class TelemetryOptions
{
    public const string Section = "Telemetry";

    public OtlpOptions Otlp { get; set; } = new();

    public sealed class OtlpOptions
    {
        /// <summary>The collector, e.g. <c>http://127.0.0.1:4317</c> (gRPC) or <c>http://127.0.0.1:4318/v1/metrics</c>; empty: no export.</summary>
        public string? Endpoint { get; set; }

        /// <summary><c>grpc</c> (default) or <c>http/protobuf</c>.</summary>
        public string Protocol { get; set; } = "grpc";

        /// <summary>How often metrics are pushed.</summary>
        public int ExportIntervalSeconds { get; set; } = 60;

        /// <summary>The <c>service.name</c> resource attribute the collector files the metrics under.</summary>
        public string ServiceName { get; set; } = "dsn-gateway";
    }

    public bool ExportsOtlp => !string.IsNullOrWhiteSpace(Otlp.Endpoint);

    /// <summary>What is wrong with these options, one line each, in the words of the configuration keys.</summary>
    public IEnumerable<string> Problems()
    {
        if (ExportsOtlp && (!Uri.TryCreate(Otlp.Endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
            yield return $"Telemetry:Otlp:Endpoint '{Otlp.Endpoint}' is not an http(s) URL such as http://127.0.0.1:4317.";
        if (Otlp.Protocol is not ("grpc" or "http/protobuf"))
            yield return $"Telemetry:Otlp:Protocol '{Otlp.Protocol}' is neither grpc nor http/protobuf.";
        if (Otlp.ExportIntervalSeconds is < 1 or > 3600)
            yield return $"Telemetry:Otlp:ExportIntervalSeconds {Otlp.ExportIntervalSeconds} is not between 1 and 3600.";
        if (string.IsNullOrWhiteSpace(Otlp.ServiceName))
            yield return "Telemetry:Otlp:ServiceName is empty.";
    }
}
