namespace DsnGateway.Hosting;

/// <summary>
/// The gateway's configuration, the same for the server and every command: gateway.json, then
/// gateway.{Environment}.json, then DSN_-prefixed environment variables, then overrides.
/// </summary>
public static class GatewayConfiguration
{
    public static IConfigurationBuilder AddGatewaySources(this IConfigurationBuilder builder, GatewayPaths paths, string environmentName, IReadOnlyDictionary<string, string?> overrides) =>
        builder
            .AddJsonFile(Path.Combine(paths.ConfigDirectory, "gateway.json"), optional: false, reloadOnChange: false)
            .AddJsonFile(Path.Combine(paths.ConfigDirectory, $"gateway.{environmentName}.json"), optional: true, reloadOnChange: false)
            .AddEnvironmentVariables("DSN_")
            .AddInMemoryCollection(overrides);

    public static IConfiguration Build(GatewayPaths paths, string environmentName, IReadOnlyDictionary<string, string?> overrides) =>
        new ConfigurationBuilder().AddGatewaySources(paths, environmentName, overrides).Build();

    /// <summary>DOTNET_ENVIRONMENT, else ASPNETCORE_ENVIRONMENT, else Production.</summary>
    public static string EnvironmentName(string? explicitName = null) =>
        explicitName
        ?? Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT")
        ?? Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT")
        ?? Environments.Production;
}
