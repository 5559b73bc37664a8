using DsnGateway.Runtime;
using DsnGateway.Ingestion.Csv;
using DsnGateway.Mapping.Codes;
using DsnGateway.Mapping.Csv;
using DsnGateway.Mapping.Establishments;

namespace DsnGateway.Ingestion;

/// <summary>
/// The ingestion's configuration files, read together once before anything is created: the sender registry, the code
/// maps and the CSV layouts. A start (or a command) refused because of them lists every problem at once; the code maps
/// and the layouts are checked against the establishments the registry names, so a broken registry is said alone.
/// </summary>
internal sealed record IngestionFiles(SenderRegistry Senders, CodeMap Codes, CsvLayouts Layouts)
{
    /// <exception cref="GatewayStartupException">one line per file that cannot be used.</exception>
    public static IngestionFiles Load(GatewayPaths paths, IngestionOptions options)
    {
        SenderRegistry senders;
        try
        {
            senders = SenderConfiguration.Load(Path.Combine(paths.ConfigDirectory, options.SendersFile));
        }
        catch (SenderConfigurationException ex)
        {
            throw new GatewayStartupException(ex.Message);
        }
        var problems = new List<string>();
        CodeMap? codes = null;
        CsvLayouts? layouts = null;
        try
        {
            codes = CodeMapFile.Load(paths, options, senders);
        }
        catch (GatewayStartupException ex)
        {
            problems.AddRange(ex.Problems);
        }
        try
        {
            layouts = CsvServiceCollectionExtensions.LoadLayouts(paths, options, senders);
        }
        catch (GatewayStartupException ex)
        {
            problems.AddRange(ex.Problems);
        }
        if (problems.Count > 0) throw new GatewayStartupException(problems);
        return new IngestionFiles(senders, codes!, layouts!);
    }
}
