using DsnGateway.EmbeddedStore;
using Yarp.ReverseProxy.Forwarder;

namespace DsnGateway.Proxy;

/// <summary>
/// Gives YARP its client for the record store: straight into the embedded store's in-memory server, or
/// YARP's own socket client for a remote store.
/// </summary>
public sealed class RecordStoreClientFactory : IForwarderHttpClientFactory
{
    private readonly EmbeddedRecordStore? _embedded;
    private readonly ForwarderHttpClientFactory _sockets = new();

    public RecordStoreClientFactory(EmbeddedRecordStore? embedded) => _embedded = embedded;

    public HttpMessageInvoker CreateClient(ForwarderHttpClientContext context) =>
        _embedded is not null
            ? new HttpMessageInvoker(_embedded.CreateHandler(), disposeHandler: true)
            : _sockets.CreateClient(context);
}
