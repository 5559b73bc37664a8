using System.Text.Json;
using DsnGateway.EmbeddedStore;
using DsnGateway.Hosting;
using DsnGateway.Proxy;

namespace DsnGateway.Health;

/// <summary>
/// <c>/healthz</c>: the process answers. <c>/readyz</c>: the record store answers its metadata and, when
/// embedded, its database takes writes; 503 with the failing check otherwise, so a load balancer stops
/// sending clinicians to a gateway that cannot serve them.
/// </summary>
public static partial class HealthEndpoints
{
    public static void MapHealth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/healthz", () => Results.Json(new { status = "alive" }));
        endpoints.MapGet("/readyz", async (HttpContext http, IServiceProvider services) =>
        {
            var checks = new Dictionary<string, string>();
            checks["recordStore"] = await StoreAnswersAsync(services, http.RequestAborted);
            var embedded = services.GetService<EmbeddedRecordStore>();
            if (embedded is not null)
            {
                checks["database"] = await embedded.Repository.IsWritableAsync(http.RequestAborted) ? "ok" : "not writable";
            }
            var ready = checks.Values.All(v => v == "ok");
            return Results.Json(new { status = ready ? "ready" : "not ready", checks }, statusCode: ready ? 200 : 503);
        });
    }

    private static async Task<string> StoreAnswersAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var store = services.GetRequiredService<RecordStoreClient>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("DsnGateway.Health");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            using var response = await store.SendAsync(HttpMethod.Get, "metadata", null, null, timeout.Token);
            return response.IsSuccessStatusCode ? "ok" : $"answered {(int)response.StatusCode}";
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
        {
            Log.StoreUnreachable(logger, ex.GetType().Name);
            return "unreachable";
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Readiness: the record store is unreachable ({Error})")]
        public static partial void StoreUnreachable(ILogger logger, string error);
    }
}
