using System.CommandLine;
using System.Globalization;
using DsnGateway.Ingestion;
using DsnGateway.Mapping.Establishments;

namespace DsnGateway.Cli;

/// <summary>
/// <c>codes unmapped [--establishment E]</c>: the local drug and procedure codes that arrived without a map, with how
/// many accepted messages carried them, most frequent first: what the integration team should map next. Codes the
/// current code maps of the config directory translate are left out, so the list shrinks as maps are written
/// (no restart or re-import needed to see it). Reads the inbox of the data directory directly.
/// </summary>
internal static class CodesCommand
{
    private static readonly Option<string?> Establishment = new("--establishment") { Description = "Only this establishment's codes (e.g. NIM)" };

    public static Command Create()
    {
        var unmapped = new Command("unmapped", "Local codes seen without a mapping, with counts: establishment, kind, system, code, display, count.") { Establishment };
        unmapped.SetAction(UnmappedAsync);
        return new Command("codes", "The local codes of the establishments and their maps.") { unmapped };
    }

    private static async Task<int> UnmappedAsync(ParseResult result, CancellationToken cancellationToken)
    {
        var paths = GatewayCommandLine.Paths(result);
        IngestionOptions ingestion;
        using (var command = CommandHost.Create(paths)) ingestion = command.Options<IngestionOptions>();
        var senders = SenderConfiguration.Load(Path.Combine(paths.ConfigDirectory, ingestion.SendersFile));
        var codes = CodeMapFile.Load(paths, ingestion, senders);
        var only = result.GetValue(Establishment);
        if (only is not null && senders.Establishments.ByCode(only) is null)
        {
            Console.Error.WriteLine($"unknown establishment {only}");
            return 2;
        }

        var inbox = new InboxStore(paths.InData(InboxStore.FileName));
        await inbox.InitializeAsync(cancellationToken);
        var rows = (await inbox.ListUnmappedCodesAsync(only, cancellationToken))
            .Where(r => senders.Establishments.ByCode(r.Establishment) is not { } e || !codes.Maps(e, r.Kind, r.System, r.Code))
            .ToList();
        inbox.ReleaseConnections();

        Console.Out.WriteLine(string.Join('\t', "establishment", "kind", "system", "code", "display", "count"));
        foreach (var r in rows)
        {
            Console.Out.WriteLine(string.Join('\t', r.Establishment, r.Kind == Mapping.Codes.CodeKind.Drug ? "drug" : "procedure", r.System, r.Code,
                r.Display ?? "", r.Count.ToString(CultureInfo.InvariantCulture)));
        }
        if (rows.Count == 0) Console.Error.WriteLine("no unmapped codes");
        return 0;
    }
}
