using DsnGateway.Runtime;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace DsnGateway.Audit;

internal static class AuditServiceCollectionExtensions
{
    /// <summary>
    /// The audit trail: the store in <c>&lt;data-dir&gt;/audit.db</c>, its signed checkpoints, the group-commit writer as
    /// <see cref="IAuditTrail"/> and as a hosted service (it creates the schema on start and drains the queue on
    /// stop), and the search behind <c>/fhir/AuditEvent</c>.
    /// </summary>
    /// <param name="busyTimeout">How long an audit write waits for a lock held by another connection before the
    /// request fails closed (configuration <c>Audit:BusyTimeoutSeconds</c>); the store's default when null.</param>
    /// <param name="checkpointKey">The key that signs the chain's checkpoints (loaded, or created where allowed, at the start).</param>
    public static IServiceCollection AddAuditTrail(this IServiceCollection services, GatewayPaths paths, AuditCheckpointKey checkpointKey,
        AuditCheckpointOptions checkpoints, TimeSpan? busyTimeout = null)
    {
        services.AddSingleton(new AuditStore(paths.InData(AuditStore.FileName), busyTimeout));
        services.AddSingleton(checkpointKey);
        services.AddSingleton(checkpoints);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<AuditCheckpointWriter>();
        services.AddSingleton(new AuditFallbackFile(paths.InData(AuditFallbackFile.FileName)));
        services.AddSingleton<AuditEventFactory>();
        services.AddSingleton<AuditWriter>();
        services.AddSingleton<IAuditTrail>(sp => sp.GetRequiredService<AuditWriter>());
        services.AddHostedService(sp => sp.GetRequiredService<AuditWriter>());
        services.AddSingleton<AuditSearch>();
        return services;
    }
}
