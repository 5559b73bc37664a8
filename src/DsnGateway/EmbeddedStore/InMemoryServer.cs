using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http.Features;

namespace DsnGateway.EmbeddedStore;

/// <summary>
/// An <see cref="IServer"/> with no socket: the embedded record store runs behind it, and the only way in
/// is <see cref="CreateHandler"/>, which the gateway's proxy uses. Nothing on the network can reach the
/// store around the gateway's authentication, authorization and audit.
/// </summary>
internal sealed class InMemoryServer : IServer
{
    private Func<IFeatureCollection, CancellationToken, Task<InMemoryResponse>>? _process;

    public IFeatureCollection Features { get; } = new FeatureCollection();

    public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken) where TContext : notnull
    {
        _process = async (features, aborted) =>
        {
            var response = (InMemoryResponseFeature)features.Get<IHttpResponseFeature>()!;
            var context = application.CreateContext(features);
            Exception? failure = null;
            try
            {
                await application.ProcessRequestAsync(context);
                await response.CompleteAsync();
            }
            catch (Exception ex)
            {
                failure = ex;
                throw;
            }
            finally
            {
                application.DisposeContext(context, failure);
            }
            return response.ToResponse();
        };
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _process = null;
        return Task.CompletedTask;
    }

    public void Dispose() => _process = null;

    /// <summary>An HTTP handler that delivers requests straight into the hosted application.</summary>
    public HttpMessageHandler CreateHandler() => new InMemoryHttpHandler(this);

    /// <summary>Runs one request through the hosted application; the answer comes back whole.</summary>
    internal Task<InMemoryResponse> ProcessAsync(HttpRequestFeature request, CancellationToken cancellationToken)
    {
        var features = new FeatureCollection();
        features.Set<IHttpRequestFeature>(request);
        var response = new InMemoryResponseFeature();
        features.Set<IHttpResponseFeature>(response);
        features.Set<IHttpResponseBodyFeature>(response);
        features.Set<IHttpRequestLifetimeFeature>(new HttpRequestLifetimeFeature { RequestAborted = cancellationToken });
        features.Set<IHttpConnectionFeature>(new HttpConnectionFeature
        {
            RemoteIpAddress = IPAddress.Loopback,
            LocalIpAddress = IPAddress.Loopback,
            ConnectionId = "in-memory",
        });
        return (_process ?? throw new InvalidOperationException("The embedded record store is not running."))(features, cancellationToken);
    }
}
