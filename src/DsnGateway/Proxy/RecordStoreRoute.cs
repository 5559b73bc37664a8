using DsnGateway.EmbeddedStore;
using DsnGateway.Runtime;
using Yarp.ReverseProxy.Configuration;

namespace DsnGateway.Proxy;

/// <summary>The YARP route and cluster that carry <c>/fhir/...</c> to the record store.</summary>
internal static class RecordStoreRoute
{
    public const string FhirBasePath = GatewayOptions.FhirPath;
    public const string ClusterId = "record-store";
    public const string RouteId = "fhir";

    public static RouteConfig Route() => new()
    {
        RouteId = RouteId,
        ClusterId = ClusterId,
        Match = new RouteMatch { Path = FhirBasePath + "/{**rest}" },
        Transforms =
        [
            new Dictionary<string, string> { ["PathRemovePrefix"] = FhirBasePath },
        ],
    };

    /// <summary>The cluster of the one store; <paramref name="timeout"/> is how long the store may stay silent (then 504).</summary>
    public static ClusterConfig Cluster(Uri storeBase, TimeSpan timeout) => new()
    {
        ClusterId = ClusterId,
        Destinations = new Dictionary<string, DestinationConfig>
        {
            ["store"] = new() { Address = storeBase.ToString() },
        },
        HttpRequest = new Yarp.ReverseProxy.Forwarder.ForwarderRequestConfig
        {
            ActivityTimeout = timeout,
        },
    };

    /// <summary>The store's base URL as the gateway reaches it.</summary>
    public static Uri StoreBase(RecordStoreConnectionOptions options) => options.Mode switch
    {
        RecordStoreMode.Embedded => EmbeddedRecordStore.BaseAddress,
        _ => new Uri((options.RemoteUrl ?? throw new InvalidOperationException("RecordStore:RemoteUrl is required when RecordStore:Mode is Remote.")).TrimEnd('/') + "/"),
    };
}
