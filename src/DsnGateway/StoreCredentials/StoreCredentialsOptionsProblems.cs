using DsnGateway.Runtime;
using DsnGateway.OptionsValidation;
using Microsoft.Extensions.Options;

namespace DsnGateway.StoreCredentials;

/// <summary>Section <c>RecordStore:Credentials</c>: a partial client is refused rather than run without credentials (<see cref="StoreCredentialsOptions.Problems"/>).</summary>
internal sealed class StoreCredentialsOptionsProblems(IOptionsMonitor<RecordStoreConnectionOptions> store, IHostEnvironment environment) : OptionsProblems<StoreCredentialsOptions>
{
    public override IEnumerable<string> Problems(StoreCredentialsOptions options)
    {
        RecordStoreConnectionOptions connection;
        try
        {
            connection = store.CurrentValue;
        }
        catch (Exception ex) when (ex is OptionsValidationException or InvalidOperationException)
        {
            return []; // the RecordStore section's own check names what is wrong with it
        }
        return options.Problems(connection, environment.EnvironmentName);
    }
}
