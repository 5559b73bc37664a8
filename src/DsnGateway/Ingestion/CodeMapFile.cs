using DsnGateway.Runtime;
using DsnGateway.Mapping.Codes;
using DsnGateway.Mapping.Establishments;

namespace DsnGateway.Ingestion;

/// <summary>
/// The code maps of <c>&lt;config-dir&gt;/code-maps.json</c> (<c>Ingestion:CodeMapsFile</c>), read once at start by the
/// gateway and by every command that maps. A missing file is an empty map; a wrong one stops the start with the
/// problem named, since half-understood maps would mislabel drugs.
/// </summary>
internal static class CodeMapFile
{
    public static string PathOf(GatewayPaths paths, IngestionOptions options) => Path.Combine(paths.ConfigDirectory, options.CodeMapsFile);

    /// <exception cref="GatewayStartupException">the file is unreadable or wrong.</exception>
    public static CodeMap Load(GatewayPaths paths, IngestionOptions options, SenderRegistry senders)
    {
        try
        {
            return CodeMapConfiguration.Load(PathOf(paths, options), senders.Establishments);
        }
        catch (CodeMapConfigurationException ex)
        {
            throw new GatewayStartupException($"The code maps cannot be used: {ex.Message}");
        }
    }
}
