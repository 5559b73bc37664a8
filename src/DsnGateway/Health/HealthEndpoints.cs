using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace DsnGateway.Health;

/// <summary>
/// <c>/healthz</c>: the process answers (no check runs). <c>/readyz</c>: the record store answers its metadata and,
/// when embedded, its database takes writes; 503 with the failing check otherwise, so a load balancer stops sending
/// clinicians to a gateway that cannot serve them. ASP.NET Core's health checks run them; the bodies are the
/// gateway's own small JSON (<c>{"status":"ready","checks":{"recordStore":"ok"}}</c>), which operators' probes read.
/// </summary>
internal static class HealthEndpoints
{
    private const string ReadinessTag = "ready";

    public static IServiceCollection AddGatewayHealthChecks(this IServiceCollection services, bool embeddedStore)
    {
        var checks = services.AddHealthChecks().AddCheck<RecordStoreHealthCheck>("recordStore", tags: [ReadinessTag]);
        if (embeddedStore) checks.AddCheck<DatabaseHealthCheck>("database", tags: [ReadinessTag]);
        return services;
    }

    /// <summary>Liveness and readiness, in one group so one access declaration covers both.</summary>
    public static RouteGroupBuilder MapHealth(this IEndpointRouteBuilder endpoints)
    {
        var health = endpoints.MapGroup("");
        health.MapHealthChecks("/healthz", new HealthCheckOptions
        {
            Predicate = _ => false, // liveness: answering at all is the answer
            ResponseWriter = (context, _) => WriteAsync(context, w => w.WriteString("status", "alive")),
        });
        health.MapHealthChecks("/readyz", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(ReadinessTag),
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status503ServiceUnavailable,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
            ResponseWriter = WriteReadinessAsync,
        });
        return health;
    }

    private static Task WriteReadinessAsync(HttpContext context, HealthReport report) => WriteAsync(context, w =>
    {
        w.WriteString("status", report.Status == HealthStatus.Healthy ? "ready" : "not ready");
        w.WriteStartObject("checks");
        foreach (var (name, entry) in report.Entries)
        {
            w.WriteString(name, entry.Status == HealthStatus.Healthy ? "ok" : entry.Description ?? entry.Status.ToString());
        }
        w.WriteEndObject();
    });

    private static async Task WriteAsync(HttpContext context, Action<Utf8JsonWriter> body)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        using (var writer = new Utf8JsonWriter(context.Response.BodyWriter))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }
        await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
    }
}
