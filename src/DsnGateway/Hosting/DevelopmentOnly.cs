namespace DsnGateway.Hosting;

/// <summary>
/// Features that exist for a developer's laptop and must never run where real patients are: the open
/// (unauthenticated) read path and the fictional sample data. Outside Development the gateway refuses to start.
/// </summary>
public static class DevelopmentOnly
{
    public static void Check(IHostEnvironment environment, GatewaySettings settings, RecordStoreConnectionOptions store)
    {
        if (environment.IsDevelopment()) return;
        var problems = new List<string>
        {
            // Authentication arrives with the next release; until then the read path is open, so Development only.
            "the FHIR read path has no authentication yet and runs only in Development",
        };
        if (settings.LoadSampleData && store.Mode == RecordStoreMode.Embedded)
        {
            problems.Add("fictional sample data is loaded only in Development (start with --no-sample-data)");
        }
        throw new DevelopmentOnlyException(
            $"Refusing to start in {environment.EnvironmentName}: {string.Join("; ", problems)}. " +
            "Set DOTNET_ENVIRONMENT=Development on a developer machine.");
    }
}

public sealed class DevelopmentOnlyException(string message) : Exception(message);
