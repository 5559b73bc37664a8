using DsnGateway.OptionsValidation;

namespace DsnGateway.Runtime;

/// <summary>Section <c>Gateway</c>: where the gateway listens and the base URL its links carry.</summary>
internal sealed class GatewayOptionsProblems : OptionsProblems<GatewayOptions>
{
    public override IEnumerable<string> Problems(GatewayOptions options)
    {
        if (!StartupChecks.IsListenAddress(options.Urls))
            yield return $"{GatewayOptions.Section}:Urls '{options.Urls}' is not a listen address such as http://127.0.0.1:8080.";
        if (!string.IsNullOrEmpty(options.PublicBaseUrl) && !ValidatedOptions.IsHttpUrl(options.PublicBaseUrl))
            yield return $"{GatewayOptions.Section}:PublicBaseUrl '{options.PublicBaseUrl}' is not an http(s) URL such as https://dsn.example/fhir.";
    }
}

/// <summary>Section <c>RecordStore</c>: a remote store needs its URL; every exchange with it a deadline.</summary>
internal sealed class RecordStoreConnectionProblems : OptionsProblems<RecordStoreConnectionOptions>
{
    public override IEnumerable<string> Problems(RecordStoreConnectionOptions options)
    {
        const string Section = RecordStoreConnectionOptions.Section;
        if (options.Mode == RecordStoreMode.Remote && string.IsNullOrWhiteSpace(options.RemoteUrl))
            yield return $"{Section}:RemoteUrl is required when {Section}:Mode is Remote (the store's FHIR base URL, e.g. https://store.example/fhir).";
        else if (options.Mode == RecordStoreMode.Remote && !ValidatedOptions.IsHttpUrl(options.RemoteUrl))
            yield return $"{Section}:RemoteUrl '{options.RemoteUrl}' is not an http(s) URL such as https://store.example/fhir.";
        if (!(options.TimeoutSeconds is > 0 and <= 3600))
            yield return $"{Section}:TimeoutSeconds '{ValidatedOptions.Seconds(options.TimeoutSeconds)}' is not a number of seconds between 0 and 3600 (e.g. 30).";
        if (options.Mode == RecordStoreMode.Embedded && string.IsNullOrWhiteSpace(options.DatabaseFile))
            yield return $"{Section}:DatabaseFile is empty: name the embedded store's database file (e.g. records.db).";
    }
}
