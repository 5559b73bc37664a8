using DsnGateway.Proxy;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace DsnGateway.Health;

/// <summary>The record store answers <c>GET metadata</c> with a success, within 5 seconds.</summary>
internal sealed partial class RecordStoreHealthCheck(RecordStoreClient store, ILogger<RecordStoreHealthCheck> logger) : IHealthCheck
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(5);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Deadline);
        try
        {
            using var response = await store.SendAsync(HttpMethod.Get, "metadata", null, null, timeout.Token);
            return response.IsSuccessStatusCode
                ? HealthCheckResult.Healthy("ok")
                : HealthCheckResult.Unhealthy($"answered {(int)response.StatusCode}");
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
        {
            Log.StoreUnreachable(logger, ex.GetType().Name);
            return HealthCheckResult.Unhealthy("unreachable");
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Readiness: the record store is unreachable ({Error})")]
        public static partial void StoreUnreachable(ILogger logger, string error);
    }
}
