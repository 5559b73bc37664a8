using DsnGateway.Hosting;
using DsnGateway.Observability;
using Microsoft.Extensions.Logging;

namespace DsnGateway.Ingestion;

public static class InboxServiceCollectionExtensions
{
    /// <summary>
    /// The durable inbox: the store in <c>&lt;data-dir&gt;/inbox.db</c>, the commit signal, and the group-commit
    /// <see cref="InboxWriter"/> as a hosted service (schema on start, drains its queue on stop). With
    /// <paramref name="deliver"/> (how a Bundle reaches the record store, resolved from the container) the
    /// <see cref="DeliveryWorker"/> runs too, registered after the writer so it stops first.
    /// </summary>
    public static IServiceCollection AddInbox(
        this IServiceCollection services,
        GatewayPaths paths,
        Func<IServiceProvider, Func<string, CancellationToken, Task<DeliveryResult>>>? deliver = null,
        DeliveryOptions? deliveryOptions = null,
        TimeSpan? busyTimeout = null)
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
        if (deliver is not null)
        {
            services.AddSingleton(sp => new DeliveryWorker(
                sp.GetRequiredService<InboxStore>(),
                deliver(sp),
                sp.GetService<TimeProvider>() ?? TimeProvider.System,
                deliveryOptions,
                sp.GetRequiredService<InboxSignal>(),
                sp.GetService<ILogger<DeliveryWorker>>(),
                sp.GetService<GatewayMetrics>()));
            services.AddHostedService(sp => sp.GetRequiredService<DeliveryWorker>());
        }
        return services;
    }
}
