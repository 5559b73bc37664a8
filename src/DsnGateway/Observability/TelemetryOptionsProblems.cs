using DsnGateway.OptionsValidation;

namespace DsnGateway.Observability;

/// <summary>Section <c>Telemetry</c>.</summary>
internal sealed class TelemetryOptionsProblems : OptionsProblems<TelemetryOptions>
{
    public override IEnumerable<string> Problems(TelemetryOptions options) => options.Problems();
}
