using DsnGateway.Fhir.Serialization;
using DsnGateway.RecordStore.Interactions;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;

namespace DsnGateway.SampleData;

/// <summary>
/// Loads the fictional sample records (config/sample-data/*.json, transaction Bundles with fixed ids) into a
/// freshly created embedded store, so a new user can read something in the first minute. Development only.
/// </summary>
internal static partial class SampleDataLoader
{
    public static async Task<int> LoadAsync(IServiceProvider storeServices, string configDirectory, ILogger logger, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(configDirectory, "sample-data");
        if (!Directory.Exists(folder))
        {
            Log.NoSampleData(logger, folder);
            return 0;
        }
        var processor = storeServices.GetRequiredService<BundleProcessor>();
        var written = 0;
        foreach (var file in Directory.GetFiles(folder, "*.json").Order(StringComparer.Ordinal))
        {
            var bundle = FhirJson.Parse<Bundle>(await File.ReadAllTextAsync(file, cancellationToken));
            var response = await processor.ProcessAsync(bundle, DsnGateway.EmbeddedStore.EmbeddedRecordStore.BaseAddress.ToString(), cancellationToken);
            written += response.Entry.Count;
        }
        Log.Loaded(logger, written, folder);
        return written;
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Sample data: {Count} fictional resources loaded from {Folder}")]
        public static partial void Loaded(ILogger logger, int count, string folder);

        [LoggerMessage(2, LogLevel.Warning, "Sample data: no folder {Folder}; starting empty")]
        public static partial void NoSampleData(ILogger logger, string folder);
    }
}
