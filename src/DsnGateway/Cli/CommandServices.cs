using System.CommandLine;
using DsnGateway.EmbeddedStore;
using DsnGateway.Hosting;
using DsnGateway.Runtime;
using DsnGateway.Ingestion;
using DsnGateway.Ingestion.Csv;
using DsnGateway.Mapping.Csv;
using DsnGateway.Mapping.Establishments;
using Microsoft.Extensions.Logging.Abstractions;

namespace DsnGateway.Cli;

/// <summary>
/// The parts of a gateway a command needs, registered by the composition root over the same data directory and
/// configuration: the inbox (its writer started), the intake and the record store (embedded over the same records.db,
/// or the configured remote one with the gateway's credentials). SQLite lets a command and a running gateway share the files.
/// </summary>
internal sealed class CommandServices : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly EmbeddedRecordStore? _embedded;

    private CommandServices(IHost host, EmbeddedRecordStore? embedded)
    {
        _host = host;
        _embedded = embedded;
    }

    public InboxStore Inbox => _host.Services.GetRequiredService<InboxStore>();

    public DeadLetterReplay Replay => _host.Services.GetRequiredService<DeadLetterReplay>();

    public SenderRegistry Senders => _host.Services.GetRequiredService<SenderRegistry>();

    public CsvImporter CsvImporter => _host.Services.GetRequiredService<CsvImporter>();

    public CsvLayouts CsvLayouts => _host.Services.GetRequiredService<CsvLayouts>();

    public static async Task<CommandServices> OpenAsync(ParseResult result, CancellationToken cancellationToken)
    {
        using var command = CommandHost.Create(GatewayCommandLine.Paths(result));
        var (paths, builder) = (command.Paths, command.Builder);
        var connection = command.Options<RecordStoreConnectionOptions>();
        var files = IngestionFiles.Load(paths, command.Options<IngestionOptions>());
        var embedded = await GatewayServices.StartEmbeddedStoreAsync(paths, connection, NullLoggerFactory.Instance, cancellationToken);
        IHost? host = null;
        try
        {
            builder.Services.AddRecordStoreAccess(builder.Configuration, connection, embedded, NullLoggerFactory.Instance);
            builder.Services.AddIntake(paths, files);
            host = builder.Build();
            await host.StartAsync(cancellationToken);
            return new CommandServices(host, embedded);
        }
        catch
        {
            host?.Dispose();
            if (embedded is not null) await embedded.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync(CancellationToken.None);
        if (_host is IAsyncDisposable disposable) await disposable.DisposeAsync();
        else _host.Dispose();
        if (_embedded is not null) await _embedded.DisposeAsync();
    }
}
