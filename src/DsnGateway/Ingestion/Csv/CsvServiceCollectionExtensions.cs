using DsnGateway.Runtime;
using DsnGateway.Mapping.Codes;
using DsnGateway.Mapping.Csv;
using DsnGateway.Mapping.Establishments;

namespace DsnGateway.Ingestion.Csv;

internal static class CsvServiceCollectionExtensions
{
    /// <summary>
    /// The configuration files read before the start (<see cref="IngestionFiles"/>), the patient directory and the
    /// CSV importer. Needs the inbox and the record store client registered too.
    /// </summary>
    public static IServiceCollection AddIngestionFiles(this IServiceCollection services, IngestionFiles files)
    {
        services.AddSingleton(files.Senders);
        // The code maps are shared with HL7 orders and procedures.
        services.AddSingleton(files.Codes);
        services.AddSingleton(files.Layouts);
        services.AddSingleton<PatientDirectory>();
        services.AddSingleton<CsvImportHistory>();
        services.AddSingleton<CsvImporter>();
        return services;
    }

    public static CsvLayouts LoadLayouts(GatewayPaths paths, IngestionOptions options, SenderRegistry senders)
    {
        try
        {
            return CsvLayoutConfiguration.Load(Path.Combine(paths.ConfigDirectory, options.CsvLayoutsFile), senders.Establishments);
        }
        catch (CsvLayoutConfigurationException ex)
        {
            throw new GatewayStartupException(ex.Message);
        }
    }
}
