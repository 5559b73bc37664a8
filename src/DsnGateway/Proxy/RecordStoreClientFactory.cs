using DsnGateway.EmbeddedStore;
using DsnGateway.StoreCredentials;
using Yarp.ReverseProxy.Forwarder;

namespace DsnGateway.Proxy;

/// <summary>
/// Gives YARP its client for the record store: straight into the embedded store's in-memory server, or
/// YARP's own socket client for a remote store, carrying the gateway's own token when credentials are configured.
/// The gateway's checks, delivery and the commands take their client here too, so every door to the store is the same.
/// </summary>
internal sealed class RecordStoreClientFactory : IForwarderHttpClientFactory
{
    private readonly EmbeddedRecordStore? _embedded;
    private readonly ForwarderHttpClientFactory _sockets;

    public RecordStoreClientFactory(EmbeddedRecordStore? embedded) : this(embedded, null)
    {
    }

    internal RecordStoreClientFactory(EmbeddedRecordStore? embedded, StoreAccessTokens? credentials)
    {
        _embedded = embedded;
        _sockets = credentials is null ? new ForwarderHttpClientFactory() : new CredentialedSockets(credentials);
    }

    public HttpMessageInvoker CreateClient(ForwarderHttpClientContext context) =>
        _embedded is not null
            ? new HttpMessageInvoker(_embedded.CreateHandler(), disposeHandler: true)
            : _sockets.CreateClient(context);

    /// <summary>YARP's socket handler, as YARP configures it, wrapped so that each request carries the gateway's token.</summary>
    private sealed class CredentialedSockets(StoreAccessTokens credentials) : ForwarderHttpClientFactory
    {
        protected override HttpMessageHandler WrapHandler(ForwarderHttpClientContext context, HttpMessageHandler handler) =>
            new StoreCredentialsHandler(credentials, base.WrapHandler(context, handler));
    }
}
