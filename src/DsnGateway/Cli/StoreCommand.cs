using System.CommandLine;
using DsnGateway.Hosting;
using DsnGateway.RecordStore;

namespace DsnGateway.Cli;

/// <summary>
/// <c>store</c>: runs the unified record store alone, a FHIR R4 server on its own port over the data
/// directory's records.db, for deployments that keep it apart (the gateway then runs with
/// RecordStore:Mode Remote). It has no authentication of its own: bind it where only the gateway reaches it.
/// </summary>
public static class StoreCommand
{
    private static readonly Option<string> Urls = new("--urls")
    {
        Description = "Listen addresses (default http://127.0.0.1:8090)",
        DefaultValueFactory = _ => "http://127.0.0.1:8090",
    };

    public static Command Create()
    {
        var command = new Command("store", "Run the record store alone (FHIR R4 over SQLite), without the gateway.") { Urls };
        command.SetAction(RunAsync);
        return command;
    }

    private static async Task<int> RunAsync(ParseResult result, CancellationToken cancellationToken)
    {
        var paths = GatewayCommandLine.Paths(result);
        var configuration = GatewayConfiguration.Build(paths, GatewayConfiguration.EnvironmentName(), new Dictionary<string, string?>());
        var connection = configuration.GetSection(RecordStoreConnectionOptions.Section).Get<RecordStoreConnectionOptions>() ?? new RecordStoreConnectionOptions();
        Directory.CreateDirectory(paths.DataDirectory);
        await using var app = RecordStoreServer.Build(new RecordStoreOptions { DatabasePath = paths.InData(connection.DatabaseFile) }, result.GetValue(Urls)!);
        await app.InitializeAsync(cancellationToken);
        await app.RunAsync(cancellationToken);
        return 0;
    }
}
