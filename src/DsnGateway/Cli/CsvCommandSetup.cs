using System.CommandLine;
using DsnGateway.Ingestion;
using DsnGateway.Ingestion.Csv;
using DsnGateway.Mapping.Codes;
using DsnGateway.Mapping.Csv;
using DsnGateway.Mapping.Establishments;

namespace DsnGateway.Cli;

/// <summary>
/// What the CSV commands check before touching any state: the establishment is registered, the kind exists, a
/// layout is configured for them, <c>--layout</c> names one of them (all usage errors, exit 2), and the configuration
/// files are valid (exit 1). <see cref="Layouts"/> are the layouts the file may be in: the named one, else all of
/// that establishment and kind (the file's header row then decides, see <see cref="CsvFileCheck"/>).
/// </summary>
internal sealed record CsvCommandSetup(SenderRegistry Senders, IReadOnlyList<CsvLayout> Layouts, CodeMap Codes)
{
    public static Option<string?> LayoutOption() =>
        new("--layout") { Description = "The layout's name when the establishment has several for this kind (default: recognised by the header row)" };

    public static CsvCommandSetup? Resolve(ParseResult result, string establishment, string kind, string? layoutName, out int exitCode)
    {
        exitCode = 0;
        if (!CsvKinds.TryParse(kind, out var csvKind))
        {
            Console.Error.WriteLine($"Unknown kind '{kind}': {string.Join(", ", CsvKinds.Names)}.");
            exitCode = 2;
            return null;
        }
        var paths = GatewayCommandLine.Paths(result);
        IngestionOptions ingestion;
        using (var command = CommandHost.Create(paths)) ingestion = command.Options<IngestionOptions>();
        var senders = SenderConfiguration.Load(Path.Combine(paths.ConfigDirectory, ingestion.SendersFile));
        if (senders.Establishments.ByCode(establishment) is not { } known)
        {
            Console.Error.WriteLine($"Unknown establishment '{establishment}' (registered: {string.Join(", ", senders.Establishments.All.Select(e => e.Code))}).");
            exitCode = 2;
            return null;
        }
        var layouts = CsvServiceCollectionExtensions.LoadLayouts(paths, ingestion, senders);
        var candidates = layouts.Of(known.Code, csvKind);
        if (candidates.Count == 0)
        {
            Console.Error.WriteLine($"No CSV layout for {known.Code} {CsvKinds.Name(csvKind)} in {Path.Combine(paths.ConfigDirectory, ingestion.CsvLayoutsFile)}: add one (see README, CSV exports).");
            exitCode = 2;
            return null;
        }
        if (layoutName is not null)
        {
            if (layouts.Find(known.Code, csvKind, layoutName) is not { } named)
            {
                Console.Error.WriteLine($"No CSV layout '{layoutName}' for {known.Code} {CsvKinds.Name(csvKind)}; configured: {string.Join("; ", candidates.Select(l => l.Description))}.");
                exitCode = 2;
                return null;
            }
            candidates = [named];
        }
        return new CsvCommandSetup(senders, candidates, CodeMapFile.Load(paths, ingestion, senders));
    }
}
