namespace DsnGateway.Runtime;

/// <summary>
/// The gateway's configuration, the same for the server and every command: gateway.json, then
/// gateway.{Environment}.json, then DSN_-prefixed environment variables, then overrides.
/// </summary>
internal static class GatewayConfiguration
{
    public static IConfigurationBuilder AddGatewaySources(this IConfigurationBuilder builder, GatewayPaths paths, string environmentName, IReadOnlyDictionary<string, string?> overrides) =>
        builder
            .AddJsonFile(Path.Combine(paths.ConfigDirectory, "gateway.json"), optional: false, reloadOnChange: false)
            .AddJsonFile(Path.Combine(paths.ConfigDirectory, $"gateway.{environmentName}.json"), optional: true, reloadOnChange: false)
            .AddEnvironmentVariables("DSN_")
            .AddInMemoryCollection(overrides);

    /// <summary>The configuration a command reads.</summary>
    /// <exception cref="GatewayStartupException">the config directory or gateway.json is missing or unreadable.</exception>
    public static IConfiguration Build(GatewayPaths paths, string environmentName, IReadOnlyDictionary<string, string?> overrides)
    {
        if (StartupChecks.ConfigDirectory(paths.ConfigDirectory) is { } problem) throw new GatewayStartupException(problem);
        try
        {
            return new ConfigurationBuilder().AddGatewaySources(paths, environmentName, overrides).Build();
        }
        catch (InvalidDataException ex)
        {
            throw new GatewayStartupException($"{ex.Message} {ex.InnerException?.Message}".Trim());
        }
    }

    /// <summary>DOTNET_ENVIRONMENT, else ASPNETCORE_ENVIRONMENT, else Production.</summary>
    public static string EnvironmentName(string? explicitName = null) =>
        explicitName
        ?? Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT")
        ?? Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT")
        ?? Environments.Production;
}
