using DsnGateway.Authentication;

namespace DsnGateway.Hosting;

/// <summary>
/// Features that exist for a developer's laptop and must never run where real patients are: the development
/// token issuer, the fictional sample data and the test fault point. Outside Development the gateway refuses to start
/// with them.
/// </summary>
public static class DevelopmentOnly
{
    public static void Check(IHostEnvironment environment, GatewaySettings settings, RecordStoreConnectionOptions store, IConfiguration configuration)
    {
        if (environment.IsDevelopment()) return;
        var problems = new List<string>();
        var authentication = configuration.GetSection(GatewayAuthenticationOptions.Section).Get<GatewayAuthenticationOptions>() ?? new GatewayAuthenticationOptions();
        if (authentication.DevelopmentIssuer.Enabled)
            problems.Add("the development token issuer is enabled (Authentication:DevelopmentIssuer:Enabled) and is trusted only in Development");
        if (settings.LoadSampleData && store.Mode == RecordStoreMode.Embedded)
            problems.Add("fictional sample data is loaded only in Development (start with --no-sample-data)");
        if (Ingestion.DeliveryFault.IsRequested)
            problems.Add($"the test fault point {Ingestion.DeliveryFault.Variable} is set, and is honoured only in Development");
        if (problems.Count > 0)
        {
            throw new GatewayStartupException(
                $"Refusing to start in {environment.EnvironmentName}: {string.Join("; ", problems)}. " +
                "Set DOTNET_ENVIRONMENT=Development on a developer machine.");
        }
    }
}

/// <summary>The gateway will not start as configured; the message says why and what to change.</summary>
public sealed class GatewayStartupException(string message) : Exception(message);
