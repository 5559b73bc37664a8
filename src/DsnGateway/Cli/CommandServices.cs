using System.CommandLine;
using DsnGateway.EmbeddedStore;
using DsnGateway.Hosting;
using DsnGateway.Ingestion;
using DsnGateway.Ingestion.Csv;
using DsnGateway.Mapping.Csv;
using DsnGateway.Mapping.Establishments;
using DsnGateway.Proxy;
using DsnGateway.StoreCredentials;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace DsnGateway.Cli;

/// <summary>
/// The parts of a gateway a command needs, over the same data directory and configuration: the inbox, the
/// intake and the record store (embedded over the same records.db, or the configured remote one). SQLite
/// lets a command and a running gateway share the files.
/// </summary>
public sealed class CommandServices : IAsyncDisposable
{
    private readonly ServiceProvider _provider;
    private readonly EmbeddedRecordStore? _embedded;

    private CommandServices(ServiceProvider provider, EmbeddedRecordStore? embedded)
    {
        _provider = provider;
        _embedded = embedded;
    }

    public InboxStore Inbox => _provider.GetRequiredService<InboxStore>();

    public DeadLetterReplay Replay => _provider.GetRequiredService<DeadLetterReplay>();

    public SenderRegistry Senders => _provider.GetRequiredService<SenderRegistry>();

    public CsvImporter CsvImporter => _provider.GetRequiredService<CsvImporter>();

    public CsvLayouts CsvLayouts => _provider.GetRequiredService<CsvLayouts>();

    public static async Task<CommandServices> OpenAsync(ParseResult result, CancellationToken cancellationToken)
    {
        var paths = GatewayCommandLine.Paths(result);
        var configuration = GatewayConfiguration.Build(paths, GatewayConfiguration.EnvironmentName(), new Dictionary<string, string?>());
        var connection = configuration.GetSection(RecordStoreConnectionOptions.Section).Get<RecordStoreConnectionOptions>() ?? new RecordStoreConnectionOptions();
        var ingestion = configuration.GetSection(IngestionOptions.Section).Get<IngestionOptions>() ?? new IngestionOptions();
        // A command reaches a remote store with the gateway's own credentials, refused the same way when partial.
        if (StoreCredentialsOptions.From(configuration).Problems(connection, GatewayConfiguration.EnvironmentName()) is { Count: > 0 } problems) throw new GatewayStartupException(problems);

        EmbeddedRecordStore? embedded = null;
        if (connection.Mode == RecordStoreMode.Embedded)
        {
            embedded = new EmbeddedRecordStore(paths.InData(connection.DatabaseFile), NullLoggerFactory.Instance);
            await embedded.StartAsync(cancellationToken);
        }
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(Options.Create(connection));
        services.AddSingleton<IOptionsMonitor<IngestionOptions>>(new FixedOptions<IngestionOptions>(ingestion));
        services.AddSingleton<IForwarderHttpClientFactory>(new RecordStoreClientFactory(embedded, services.AddStoreCredentials(configuration, connection, NullLoggerFactory.Instance)));
        if (embedded is not null) services.AddSingleton(embedded);
        services.AddSingleton<RecordStoreClient>();
        services.AddIngestionFiles(IngestionFiles.Load(paths, ingestion));
        services.AddSingleton<IdentityConflicts>();
        services.AddSingleton<Hl7Intake>();
        services.AddSingleton<DeadLetterReplay>();
        services.AddInbox(paths);
        var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<InboxWriter>().StartAsync(cancellationToken);
        return new CommandServices(provider, embedded);
    }

    public async ValueTask DisposeAsync()
    {
        await _provider.GetRequiredService<InboxWriter>().StopAsync(CancellationToken.None);
        await _provider.DisposeAsync();
        if (_embedded is not null) await _embedded.DisposeAsync();
    }

    private sealed class FixedOptions<T>(T value) : IOptionsMonitor<T>
    {
        public T CurrentValue => value;

        public T Get(string? name) => value;

        public IDisposable? OnChange(Action<T, string?> listener) => null;
    }
}
