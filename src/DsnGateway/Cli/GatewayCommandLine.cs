using DsnGateway.OptionsValidation;
using System.CommandLine;
using DsnGateway.Runtime;
using DsnGateway.Sqlite.Migrations;

namespace DsnGateway.Cli;

/// <summary>
/// The gateway's command line. Exit codes: 0 success, 1 failure, 2 usage error. Every command takes
/// --data-dir and --config-dir and acts on that state directly.
/// </summary>
internal static class GatewayCommandLine
{
    public static readonly Option<string?> DataDir = new("--data-dir")
    {
        Description = "Directory holding all state (databases, logs). Default: ./data",
        Recursive = true,
    };

    public static readonly Option<string?> ConfigDir = new("--config-dir")
    {
        Description = "Configuration directory. Default: the config/ folder beside the executable",
        Recursive = true,
    };

    public static async Task<int> RunAsync(string[] args)
    {
        // Before any command creates a file: databases, logs, keys and rejects files are private to this user.
        PrivateFiles.Apply();
        var root = new RootCommand("DSN gateway: patient-record integration gateway of the provincial digital health record.");
        root.Options.Add(DataDir);
        root.Options.Add(ConfigDir);

        var serve = ServeCommand.Create();
        root.Subcommands.Add(serve);
        // No command means serve, with serve's options.
        foreach (var option in serve.Options) root.Options.Add(option);
        root.SetAction((result, token) => ServeCommand.RunAsync(result, token));
        root.Subcommands.Add(AuditCommand.Create());
        root.Subcommands.Add(TokenCommand.Create());
        root.Subcommands.Add(StoreCommand.Create());
        root.Subcommands.Add(DeadLettersCommand.Create());
        root.Subcommands.Add(MapCommand.Create());
        root.Subcommands.Add(CodesCommand.Create());
        root.Subcommands.Add(ImportCommand.Create());
        root.Subcommands.Add(MigrateCommand.Create());

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors) Console.Error.WriteLine(error.Message);
            Console.Error.WriteLine("Run with --help for usage.");
            return 2;
        }
        try
        {
            // Without System.CommandLine's own handler, which would print a refused start as a stack trace.
            return await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (GatewayStartupException ex)
        {
            foreach (var problem in ex.Problems) Console.Error.WriteLine(problem);
            return ex.IsUsageError ? 2 : 1;
        }
        catch (SchemaVersionException ex)
        {
            // A database this build will not use (newer, or not one of ours): the message names the file.
            Console.Error.WriteLine(ex.Message);
            return 1;
        }
        catch (Exception ex) when (ValidatedOptions.Problems(ex) is { } problems)
        {
            // Options found invalid when a host started (ValidateOnStart): said the way a refused start is.
            foreach (var problem in problems) Console.Error.WriteLine(problem);
            return 1;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Net.Sockets.SocketException or Microsoft.Data.Sqlite.SqliteException)
        {
            // The machine said no (a file, a port, a database): one line is what the operator can act on.
            Console.Error.WriteLine($"failed: {ex.Message}");
            return 1;
        }
        catch (Exception ex)
        {
            // A defect: its stack trace is what a developer needs.
            Console.Error.WriteLine($"failed: {ex}");
            return 1;
        }
    }

    public static GatewayPaths Paths(ParseResult result) =>
        GatewayPaths.Resolve(result.GetValue(DataDir), result.GetValue(ConfigDir));
}
