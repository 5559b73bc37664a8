using System.CommandLine;
using DsnGateway.Hosting;
using DsnGateway.Runtime;

namespace DsnGateway.Cli;

/// <summary>
/// <c>migrate</c>: brings the databases of the data directory (records, inbox, audit) to this build's schema versions
/// and prints, per file, its version before and after (ADR 0013). A gateway does the same when it starts; the command
/// is for operators who upgrade the files before starting instances (and see how long it takes), with every server
/// of the directory stopped: it holds the directory's gateway and store locks while it runs, so none starts meanwhile.
/// </summary>
internal static class MigrateCommand
{
    public static Command Create()
    {
        var command = new Command("migrate", "Bring the data directory's databases to this build's schema versions (servers stopped); one line per file: version before -> after.");
        command.SetAction(RunAsync);
        return command;
    }

    private static async Task<int> RunAsync(ParseResult result, CancellationToken cancellationToken)
    {
        var paths = GatewayCommandLine.Paths(result);
        if (!Directory.Exists(paths.DataDirectory))
        {
            await Console.Error.WriteLineAsync($"No data directory at {paths.DataDirectory}: nothing to migrate (a gateway creates its databases at the newest version).");
            return 1;
        }
        var configuration = GatewayConfiguration.Build(paths, GatewayConfiguration.EnvironmentName(), new Dictionary<string, string?>());
        var store = configuration.GetSection(RecordStoreConnectionOptions.Section).Get<RecordStoreConnectionOptions>() ?? new RecordStoreConnectionOptions();
        // A running server keeps writing the layout its build knows: both kinds are refused while one runs.
        using var gatewayLock = DataDirectoryLock.Acquire(paths.DataDirectory);
        using var storeLock = DataDirectoryLock.Acquire(paths.DataDirectory, DataDirectoryLock.Store);
        var outcomes = await GatewayDatabases.MigrateAsync(paths, store.DatabaseFile, cancellationToken);
        foreach (var outcome in outcomes)
        {
            if (outcome.Refused is { } refused) await Console.Error.WriteLineAsync(refused);
            else if (outcome.Upgrade is { } upgrade) Console.Out.WriteLine($"{outcome.Path}: schema version {upgrade.Before} -> {upgrade.After}{(upgrade.Migrated ? "" : " (up to date)")}");
            else Console.Out.WriteLine($"{outcome.Path}: absent (created at the newest version when first opened)");
        }
        return outcomes.Any(o => o.Refused is not null) ? 1 : 0;
    }
}
