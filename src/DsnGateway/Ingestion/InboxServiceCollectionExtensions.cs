using DsnGateway.Runtime;
using DsnGateway.Observability;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DsnGateway.Ingestion;

internal static class InboxServiceCollectionExtensions
{
    /// <summary>
    /// The durable inbox: the store in <c>&lt;data-dir&gt;/inbox.db</c>, the commit signal, and the group-commit
    /// <see cref="InboxWriter"/> as a hosted service (schema on start, drains its queue on stop).
    /// </summary>
    public static IServiceCollection AddInbox(this IServiceCollection services, GatewayPaths paths, TimeSpan? busyTimeout = null)
    {
        services.AddSingleton(sp =>
        {
            var store = new InboxStore(paths.InData(InboxStore.FileName), busyTimeout);
            sp.GetService<GatewayMetrics>()?.ObserveInbox(store.CountPending);
            return store;
        });
        services.AddSingleton<InboxSignal>();
        services.AddSingleton(sp => new InboxWriter(
            sp.GetRequiredService<InboxStore>(), sp.GetRequiredService<InboxSignal>(), sp.GetService<ILogger<InboxWriter>>()));
        services.AddHostedService(sp => sp.GetRequiredService<InboxWriter>());
        return services;
    }

    /// <summary>
    /// The <see cref="DeliveryWorker"/> (paced by <c>Ingestion:Delivery</c>), with <paramref name="deliver"/> (how a Bundle
    /// reaches the record store, resolved from the container); registered after <see cref="AddInbox"/> so it stops first.
    /// </summary>
    public static IServiceCollection AddInboxDelivery(
        this IServiceCollection services,
        Func<IServiceProvider, Func<string, CancellationToken, Task<DeliveryResult>>> deliver)
    {
        services.AddSingleton(sp => new DeliveryWorker(
            sp.GetRequiredService<InboxStore>(),
            deliver(sp),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<DeliveryOptions>>().Value,
            sp.GetRequiredService<InboxSignal>(),
            sp.GetService<ILogger<DeliveryWorker>>(),
            sp.GetService<GatewayMetrics>()));
        services.AddHostedService(sp => sp.GetRequiredService<DeliveryWorker>());
        return services;
    }
}
