using DsnGateway.EmbeddedStore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace DsnGateway.Health;

/// <summary>The embedded store's database takes writes (a full disk or a read-only file fails it).</summary>
internal sealed class DatabaseHealthCheck(EmbeddedRecordStore embedded) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        await embedded.Repository.IsWritableAsync(cancellationToken)
            ? HealthCheckResult.Healthy("ok")
            : HealthCheckResult.Unhealthy("not writable");
}
