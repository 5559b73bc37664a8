using DsnGateway.Runtime;

namespace DsnGateway.Hosting;

/// <summary>What the command line decides for one run of the gateway.</summary>
internal sealed record GatewaySettings
{
    public required GatewayPaths Paths { get; init; }

    /// <summary>--urls; null keeps the configured Gateway:Urls.</summary>
    public string? Urls { get; init; }

    public bool LoadSampleData { get; init; } = true;

    /// <summary>--mllp host:port; null keeps Ingestion:Mllp:Endpoint.</summary>
    public string? Mllp { get; init; }

    /// <summary>Development, Production…; null takes DOTNET_ENVIRONMENT / ASPNETCORE_ENVIRONMENT (Production if unset).</summary>
    public string? EnvironmentName { get; init; }

    /// <summary>Extra configuration applied last (tests and --config-style overrides).</summary>
    public IReadOnlyDictionary<string, string?> Overrides { get; init; } = new Dictionary<string, string?>();
}
