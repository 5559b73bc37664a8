using DsnGateway.Runtime;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace DsnGateway.Proxy;

/// <summary>Applies <see cref="LinkRewriter"/> to the store's responses: body and Location headers.</summary>
internal sealed class LinkRewritingTransform : ITransformProvider
{
    private readonly LinkRewriter _rewriter;
    private readonly IOptionsMonitor<GatewayOptions> _options;
    private readonly TimeSpan _deadline;

    public LinkRewritingTransform(LinkRewriter rewriter, IOptionsMonitor<GatewayOptions> options, IOptions<RecordStoreConnectionOptions> store)
    {
        _rewriter = rewriter;
        _options = options;
        _deadline = store.Value.Timeout;
    }

    public void ValidateRoute(TransformRouteValidationContext context)
    {
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void Apply(TransformBuilderContext context)
    {
        if (context.Route.RouteId != RecordStoreRoute.RouteId) return;
        context.AddResponseTransform(RewriteAsync);
    }

    /// <summary>The base URL of this gateway's FHIR API as the client sees it.</summary>
    private async ValueTask RewriteAsync(ResponseTransformContext context)
    {
        var proxyResponse = context.ProxyResponse;
        if (proxyResponse is null) return;
        var http = context.HttpContext;
        var publicBase = _options.CurrentValue.PublicFhirBase(http.Request);

        foreach (var header in new[] { "Location", "Content-Location" })
        {
            if (http.Response.Headers.TryGetValue(header, out var value))
            {
                http.Response.Headers[header] = _rewriter.RewriteUrl(value.ToString(), publicBase);
            }
        }

        var mediaType = proxyResponse.Content.Headers.ContentType?.MediaType ?? "";
        if (!mediaType.Contains("json", StringComparison.OrdinalIgnoreCase)) return;

        // The body too arrives by the deadline (a store dripping its answer is a store that did not answer: 504), and
        // must be JSON: a malformed answer is the store's failure (502), never relayed as if it were a record.
        byte[] body;
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted))
        {
            deadline.CancelAfter(_deadline);
            try
            {
                body = await proxyResponse.Content.ReadAsByteArrayAsync(deadline.Token);
            }
            catch (OperationCanceledException ex) when (!http.RequestAborted.IsCancellationRequested)
            {
                throw new TimeoutException($"The record store did not finish its answer within {_deadline.TotalSeconds:0.###} s.", ex);
            }
        }
        // Empty is an answer where FHIR allows no body (a delete, a 204, a 304); a read or search answered 200 always has one.
        var mayBeEmpty = !HttpMethods.IsGet(http.Request.Method) || proxyResponse.StatusCode != System.Net.HttpStatusCode.OK;
        if (!(body.Length == 0 && mayBeEmpty) && !IsJson(body)) throw new InvalidDataException("The record store's answer is not well-formed JSON.");
        var rewritten = _rewriter.RewriteJson(body, publicBase, SearchConfinement.Of(http)) ?? body;
        context.SuppressResponseBody = true;
        http.Response.ContentLength = rewritten.Length;
        await http.Response.Body.WriteAsync(rewritten, http.RequestAborted);
    }

    private static bool IsJson(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new System.Text.Json.Utf8JsonReader(body);
            while (reader.Read())
            {
            }
            return true;
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }
}
