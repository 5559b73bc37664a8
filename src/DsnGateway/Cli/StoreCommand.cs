using System.CommandLine;
using DsnGateway.Runtime;
using DsnGateway.Observability;
using DsnGateway.RecordStore;
using DsnGateway.StoreAuthentication;

namespace DsnGateway.Cli;

/// <summary>
/// <c>store</c>: runs the unified record store alone, a FHIR R4 server on its own port over the data
/// directory's records.db, for deployments that keep it apart (the gateway then runs with
/// RecordStore:Mode Remote). With Store:Authentication configured it accepts only bearer tokens for its audience (the
/// gateway's own, RecordStore:Credentials); without, it is open: bound to loopback as it always was, and refused outside
/// Development on an address other machines reach unless Store:Authentication:AllowAnonymous says so.
/// It starts like the gateway: checked first (one line per problem, nothing created when refused), one store per data
/// directory (store.lock, apart from the gateway's so that a gateway may share the directory), the environment from
/// DOTNET_ENVIRONMENT, and logs like the gateway's (JSON lines in &lt;data-dir&gt;/logs/store-YYYYMMDD.json, one line
/// per request with its method, path and status, never the query string).
/// </summary>
internal static partial class StoreCommand
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
        var urls = result.GetValue(Urls)!;
        var environment = GatewayConfiguration.EnvironmentName();
        Check(paths, urls);
        var configuration = GatewayConfiguration.Build(paths, environment, new Dictionary<string, string?>());
        var connection = configuration.GetSection(RecordStoreConnectionOptions.Section).Get<RecordStoreConnectionOptions>() ?? new RecordStoreConnectionOptions();
        var authentication = StoreAuthenticationOptions.From(configuration);
        if (authentication.Problems(urls, environment) is { Count: > 0 } refused) throw new GatewayStartupException(refused);

        PrivateFiles.CreateDirectory(paths.DataDirectory);
        using var dataLock = DataDirectoryLock.Acquire(paths.DataDirectory, DataDirectoryLock.Store);
        var serilog = GatewayLogging.Create(configuration, paths.LogDirectory, "store");
        await using var app = RecordStoreServer.Build(new RecordStoreOptions { DatabasePath = paths.InData(connection.DatabaseFile) }, urls, configure: builder =>
        {
            builder.AddGatewayLogging(serilog);
            if (authentication.IsConfigured) builder.Services.AddStoreAuthentication(authentication);
        }, environmentName: environment);
        app.UseGatewayRequestLogging(serilog);
        if (authentication.IsConfigured) app.UseStoreAuthentication();
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("DsnGateway.Store");
        Log.Started(log, environment, paths.DataDirectory);
        if (authentication.IsConfigured) Log.Authenticated(log, authentication.Audience!);
        else if (authentication.IsOpenBeyondLoopback(urls)) Log.OpenBeyondLoopback(log, urls);
        await app.InitializeAsync(cancellationToken);
        await app.RunAsync(cancellationToken);
        return 0;
    }

    /// <summary>The store's own start-up checks, all listed at once, before anything is created.</summary>
    private static void Check(GatewayPaths paths, string urls)
    {
        if (Directory.Exists(paths.DataDirectory) && DataDirectoryLock.HeldElsewhere(paths.DataDirectory, DataDirectoryLock.Store) is { } held)
            throw new GatewayStartupException(held);
        var usage = new List<string>();
        var problems = new List<string>();
        if (StartupChecks.DataDirectory(paths.DataDirectory) is { } data) problems.Add(data);
        if (StartupChecks.ConfigDirectory(paths.ConfigDirectory) is { } config) problems.Add(config);
        if (StartupChecks.HttpPortProblems(urls, "--urls") is { } busy)
        {
            problems.AddRange(busy);
        }
        else
        {
            usage.Add($"--urls '{urls}' is not a listen address such as http://127.0.0.1:8090.");
        }
        if (usage.Count > 0 || problems.Count > 0) throw new GatewayStartupException([.. usage, .. problems], usage.Count > 0);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "DSN record store starting: environment {Environment}, data in {DataDirectory}")]
        public static partial void Started(ILogger logger, string environment, string dataDirectory);

        [LoggerMessage(2, LogLevel.Information, "DSN record store: bearer tokens required, audience {Audience}")]
        public static partial void Authenticated(ILogger logger, string audience);

        [LoggerMessage(3, LogLevel.Warning, "DSN record store: listening on {Urls} without authentication; configure Store:Authentication before other machines can reach it")]
        public static partial void OpenBeyondLoopback(ILogger logger, string urls);
    }
}
