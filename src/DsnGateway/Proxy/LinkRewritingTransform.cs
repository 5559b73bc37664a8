using DsnGateway.Hosting;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace DsnGateway.Proxy;

/// <summary>Applies <see cref="LinkRewriter"/> to the store's responses: body and Location headers.</summary>
public sealed class LinkRewritingTransform : ITransformProvider
{
    private readonly LinkRewriter _rewriter;
    private readonly IOptionsMonitor<GatewayOptions> _options;

    public LinkRewritingTransform(LinkRewriter rewriter, IOptionsMonitor<GatewayOptions> options)
    {
        _rewriter = rewriter;
        _options = options;
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
    public static string PublicBase(HttpContext http, GatewayOptions options) =>
        !string.IsNullOrEmpty(options.PublicBaseUrl)
            ? options.PublicBaseUrl.TrimEnd('/')
            : $"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}{RecordStoreRoute.FhirBasePath}";

    private async ValueTask RewriteAsync(ResponseTransformContext context)
    {
        var proxyResponse = context.ProxyResponse;
        if (proxyResponse is null) return;
        var http = context.HttpContext;
        var publicBase = PublicBase(http, _options.CurrentValue);

        foreach (var header in new[] { "Location", "Content-Location" })
        {
            if (http.Response.Headers.TryGetValue(header, out var value))
            {
                http.Response.Headers[header] = _rewriter.RewriteUrl(value.ToString(), publicBase);
            }
        }

        var mediaType = proxyResponse.Content.Headers.ContentType?.MediaType ?? "";
        if (!mediaType.Contains("json", StringComparison.OrdinalIgnoreCase)) return;

        var body = await proxyResponse.Content.ReadAsByteArrayAsync(http.RequestAborted);
        var rewritten = _rewriter.RewriteJson(body, publicBase, SearchConfinement.Of(http)) ?? body;
        context.SuppressResponseBody = true;
        http.Response.ContentLength = rewritten.Length;
        await http.Response.Body.WriteAsync(rewritten, http.RequestAborted);
    }
}
