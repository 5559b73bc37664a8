using DsnGateway.Authentication;
using DsnGateway.Runtime;

namespace DsnGateway.Hosting;

/// <summary>
/// Features that exist for a developer's laptop and must never run where real patients are: the development
/// token issuer, the fictional sample data and the test fault point. Outside Development the gateway refuses to start
/// with them.
/// </summary>
internal static class DevelopmentOnly
{
    /// <summary>One line per Development-only feature asked for outside Development; none in Development.</summary>
    public static IReadOnlyList<string> Problems(IHostEnvironment environment, GatewaySettings settings, RecordStoreConnectionOptions store, IConfiguration configuration)
    {
        if (environment.IsDevelopment()) return [];
        var problems = new List<string>();
        var refusing = $"Refusing to start in {environment.EnvironmentName}:";
        // Read as the binder reads a bool, whether or not the rest of the section is valid (its own check names that).
        if (bool.TryParse(configuration[$"{GatewayAuthenticationOptions.Section}:DevelopmentIssuer:Enabled"], out var developmentIssuer) && developmentIssuer)
            problems.Add($"{refusing} the development token issuer is enabled (Authentication:DevelopmentIssuer:Enabled) and is trusted only in Development.");
        if (settings.LoadSampleData && store.Mode == RecordStoreMode.Embedded)
            problems.Add($"{refusing} fictional sample data is loaded only in Development (start with --no-sample-data, or set DOTNET_ENVIRONMENT=Development on a developer machine).");
        if (Ingestion.DeliveryFault.IsRequested)
            problems.Add($"{refusing} the test fault point {Ingestion.DeliveryFault.Variable} is set, and is honoured only in Development.");
        return problems;
    }
}
