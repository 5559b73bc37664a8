using System.CommandLine;
using DsnGateway.Hosting;
using DsnGateway.Ingestion;
using DsnGateway.Ingestion.Csv;
using DsnGateway.Mapping.Codes;
using DsnGateway.Mapping.Csv;
using DsnGateway.Mapping.Establishments;

namespace DsnGateway.Cli;

/// <summary>
/// What the CSV commands check before touching any state: the establishment is registered, the kind exists, a
/// layout is configured for them (all usage errors, exit 2), and the configuration files are valid (exit 1).
/// </summary>
internal sealed record CsvCommandSetup(SenderRegistry Senders, CsvLayout Layout, CodeMap Codes)
{
    public static CsvCommandSetup? Resolve(ParseResult result, string establishment, string kind, out int exitCode)
    {
        exitCode = 0;
        if (!CsvKinds.TryParse(kind, out var csvKind))
        {
            Console.Error.WriteLine($"Unknown kind '{kind}': {string.Join(", ", CsvKinds.Names)}.");
            exitCode = 2;
            return null;
        }
        var paths = GatewayCommandLine.Paths(result);
        var configuration = GatewayConfiguration.Build(paths, GatewayConfiguration.EnvironmentName(), new Dictionary<string, string?>());
        var ingestion = configuration.GetSection(IngestionOptions.Section).Get<IngestionOptions>() ?? new IngestionOptions();
        var senders = SenderConfiguration.Load(Path.Combine(paths.ConfigDirectory, ingestion.SendersFile));
        if (senders.Establishments.ByCode(establishment) is not { } known)
        {
            Console.Error.WriteLine($"Unknown establishment '{establishment}' (registered: {string.Join(", ", senders.Establishments.All.Select(e => e.Code))}).");
            exitCode = 2;
            return null;
        }
        var layouts = CsvServiceCollectionExtensions.LoadLayouts(paths, ingestion, senders);
        if (layouts.Find(known.Code, csvKind) is not { } layout)
        {
            Console.Error.WriteLine($"No CSV layout for {known.Code} {CsvKinds.Name(csvKind)} in {Path.Combine(paths.ConfigDirectory, ingestion.CsvLayoutsFile)}: add one (see README, CSV exports).");
            exitCode = 2;
            return null;
        }
        return new CsvCommandSetup(senders, layout, CodeMapFile.Load(paths, ingestion, senders));
    }
}
