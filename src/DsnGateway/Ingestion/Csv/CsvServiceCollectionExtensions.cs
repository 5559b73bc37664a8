using DsnGateway.Hosting;
using DsnGateway.Mapping.Codes;
using DsnGateway.Mapping.Csv;
using DsnGateway.Mapping.Establishments;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace DsnGateway.Ingestion.Csv;

public static class CsvServiceCollectionExtensions
{
    /// <summary>
    /// CSV import: the layouts (<c>config/csv-layouts.json</c>) read now, so a wrong file stops the start
    /// (or the command) with a message naming the problem; the patient directory and the importer. Needs the inbox
    /// and the record store client registered too.
    /// </summary>
    /// <exception cref="GatewayStartupException">the layouts or the code maps cannot be used.</exception>
    public static IServiceCollection AddCsvImport(this IServiceCollection services, GatewayPaths paths, IngestionOptions options, SenderRegistry senders)
    {
        services.AddSingleton(LoadLayouts(paths, options, senders));
        // The code maps (CodeMapFile) are shared with HL7 orders and procedures and registered with the ingestion.
        services.TryAddSingleton(CodeMapFile.Load(paths, options, senders));
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
