namespace DsnGateway.Runtime;

/// <summary>
/// Where a gateway keeps its state and reads its configuration. All state (databases, logs) lives under
/// one data directory, so two gateways with two directories never share anything.
/// </summary>
internal sealed record GatewayPaths(string DataDirectory, string ConfigDirectory)
{
    public static string DefaultDataDirectory => Path.Combine(Directory.GetCurrentDirectory(), "data");

    /// <summary>The config/ folder copied beside the executable at build.</summary>
    public static string DefaultConfigDirectory => Path.Combine(AppContext.BaseDirectory, "config");

    public static GatewayPaths Resolve(string? dataDirectory, string? configDirectory) => new(
        Path.GetFullPath(dataDirectory ?? DefaultDataDirectory),
        Path.GetFullPath(configDirectory ?? DefaultConfigDirectory));

    public string LogDirectory => Path.Combine(DataDirectory, "logs");

    public string InData(string relative) => Path.IsPathRooted(relative) ? relative : Path.Combine(DataDirectory, relative);
}
