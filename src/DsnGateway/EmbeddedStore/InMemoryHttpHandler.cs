using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;

namespace DsnGateway.EmbeddedStore;

/// <summary>Turns an <see cref="HttpRequestMessage"/> into a request of the in-memory server and back.</summary>
internal sealed class InMemoryHttpHandler(InMemoryServer server) : HttpMessageHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var uri = request.RequestUri ?? throw new InvalidOperationException("The request has no URI.");
        var requestFeature = new HttpRequestFeature
        {
            Protocol = "HTTP/1.1",
            Method = request.Method.Method,
            Scheme = uri.Scheme,
            Path = Uri.UnescapeDataString(uri.AbsolutePath),
            RawTarget = uri.PathAndQuery,
            PathBase = "",
            QueryString = uri.Query,
            Body = await BufferBodyAsync(request.Content, cancellationToken),
        };
        var headers = requestFeature.Headers;
        headers.Host = uri.Authority;
        foreach (var header in request.Headers)
        {
            headers.Append(header.Key, new StringValues(header.Value.ToArray()));
        }
        if (request.Content is not null)
        {
            foreach (var header in request.Content.Headers)
            {
                headers.Append(header.Key, new StringValues(header.Value.ToArray()));
            }
        }
        var result = await server.ProcessAsync(requestFeature, cancellationToken);

        var message = new HttpResponseMessage((HttpStatusCode)result.StatusCode)
        {
            RequestMessage = request,
            Version = HttpVersion.Version11,
            Content = new ByteArrayContent(result.Body),
        };
        foreach (var (name, values) in result.Headers)
        {
            if (!message.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                message.Content.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }
        return message;
    }

    // YARP's request content can only push itself into a stream (it streams from the client), so it is
    // buffered here; the store bounds body size itself.
    private static async Task<Stream> BufferBodyAsync(HttpContent? content, CancellationToken cancellationToken)
    {
        if (content is null) return Stream.Null;
        var buffer = new MemoryStream();
        await content.CopyToAsync(buffer, cancellationToken);
        buffer.Position = 0;
        return buffer;
    }
}
