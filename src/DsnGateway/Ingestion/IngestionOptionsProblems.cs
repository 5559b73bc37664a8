using DsnGateway.Runtime;
using DsnGateway.OptionsValidation;

namespace DsnGateway.Ingestion;

/// <summary>Section <c>Ingestion</c>: the configuration files named, the size ceiling, the MLLP listener.</summary>
internal sealed class IngestionOptionsProblems : OptionsProblems<IngestionOptions>
{
    public override IEnumerable<string> Problems(IngestionOptions options)
    {
        const string Section = IngestionOptions.Section;
        foreach (var (key, file) in new[] { ("SendersFile", options.SendersFile), ("CodeMapsFile", options.CodeMapsFile), ("CsvLayoutsFile", options.CsvLayoutsFile) })
        {
            if (string.IsNullOrWhiteSpace(file)) yield return $"{Section}:{key} is empty: name a file of the config directory.";
        }
        if (options.MaxMessageBytes <= 0)
            yield return $"{Section}:MaxMessageBytes '{options.MaxMessageBytes}' is not a positive number of bytes (e.g. 1048576).";
        var mllp = options.Mllp;
        if (!mllp.Enabled) yield break;
        if (!StartupChecks.IsMllpEndpoint(mllp.Endpoint))
            yield return $"{Section}:Mllp:Endpoint '{mllp.Endpoint}' is not host:port (e.g. 127.0.0.1:2575).";
        if (mllp.IdleTimeoutSeconds <= 0)
            yield return $"{Section}:Mllp:IdleTimeoutSeconds '{mllp.IdleTimeoutSeconds}' is not a positive number of seconds (e.g. 300).";
        if (!string.IsNullOrWhiteSpace(mllp.TlsCertificatePath) && !File.Exists(mllp.TlsCertificatePath))
            yield return $"{Section}:Mllp:TlsCertificatePath '{mllp.TlsCertificatePath}' does not exist (a PKCS#12 file).";
    }
}

/// <summary>Section <c>Ingestion:Delivery</c>: the delivery worker's pace.</summary>
internal sealed class DeliveryOptionsProblems : OptionsProblems<DeliveryOptions>
{
    public override IEnumerable<string> Problems(DeliveryOptions options) => options.Problems();
}
