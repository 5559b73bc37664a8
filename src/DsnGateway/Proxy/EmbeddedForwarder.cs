using DsnGateway.EmbeddedStore;
using DsnGateway.Runtime;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace DsnGateway.Proxy;

/// <summary>
/// Carries <c>/fhir/...</c> to the embedded store without YARP: the gateway's request becomes the store's
/// request features directly, the store's pipeline runs, and its answer is written to the gateway's response.
/// What YARP did on this route is done here the same way: the <c>/fhir</c> prefix removed, the caller's
/// <c>Authorization</c> and <c>X-Break-Glass</c> and hop-by-hop headers not passed on, the store's links
/// rewritten to the gateway's public base and cleared of the parameters the gateway added
/// (<see cref="LinkRewriter"/>), and 502 when the store fails. It skips
/// what an in-process call does not need: an <see cref="HttpRequestMessage"/> and an
/// <see cref="HttpResponseMessage"/> built, their headers copied twice, and the body read again by a transform.
/// A remote store is still reached through YARP.
/// </summary>
internal sealed partial class EmbeddedForwarder
{
    // Never forwarded: the caller's credentials are for the gateway, and connection-level headers are per hop.
    private static readonly HashSet<string> NotForwarded = new(StringComparer.OrdinalIgnoreCase)
    {
        HeaderNames.Authorization, GatewayOptions.BreakGlassHeader, HeaderNames.Host,
        HeaderNames.Connection, HeaderNames.KeepAlive, HeaderNames.TE, HeaderNames.Trailer, HeaderNames.TransferEncoding,
        HeaderNames.Upgrade, HeaderNames.ProxyAuthorization, "Proxy-Connection",
    };

    private static readonly HashSet<string> NotReturned = new(StringComparer.OrdinalIgnoreCase)
    {
        HeaderNames.Connection, HeaderNames.KeepAlive, HeaderNames.TransferEncoding, HeaderNames.Upgrade,
        HeaderNames.ContentLength, "Proxy-Connection",
    };

    private readonly EmbeddedRecordStore _store;
    private readonly LinkRewriter _rewriter;
    private readonly IOptionsMonitor<GatewayOptions> _options;
    private readonly ILogger<EmbeddedForwarder> _logger;

    public EmbeddedForwarder(EmbeddedRecordStore store, LinkRewriter rewriter, IOptionsMonitor<GatewayOptions> options, ILogger<EmbeddedForwarder> logger)
    {
        _store = store;
        _rewriter = rewriter;
        _options = options;
        _logger = logger;
    }

    public async Task ForwardAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.StartsWithSegments(RecordStoreRoute.FhirBasePath, out var rest) ? rest : request.Path;
        var storeRequest = new HttpRequestFeature
        {
            Protocol = "HTTP/1.1",
            Method = request.Method,
            Scheme = EmbeddedRecordStore.BaseAddress.Scheme,
            PathBase = "",
            Path = path.HasValue ? path.Value! : "/",
            QueryString = request.QueryString.Value ?? "",
            RawTarget = (path.HasValue ? path.Value! : "/") + request.QueryString.Value,
            Body = request.Body,
        };
        var headers = storeRequest.Headers;
        foreach (var (name, values) in request.Headers)
        {
            if (!NotForwarded.Contains(name)) headers[name] = values;
        }
        headers.Host = EmbeddedRecordStore.BaseAddress.Authority;

        InMemoryResponse answer;
        try
        {
            answer = await _store.ProcessAsync(storeRequest, context.RequestAborted);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !context.RequestAborted.IsCancellationRequested)
        {
            // As YARP answered a failed destination: 502, no body. Only the exception's type is logged: a store's
            // diagnostics can quote the values of the record it failed on.
            Log.StoreFailed(_logger, ex.GetType().Name);
            context.Response.StatusCode = StatusCodes.Status502BadGateway;
            return;
        }

        var response = context.Response;
        response.StatusCode = answer.StatusCode;
        var publicBase = _options.CurrentValue.PublicFhirBase(context.Request);
        foreach (var (name, values) in answer.Headers)
        {
            if (NotReturned.Contains(name)) continue;
            response.Headers[name] = name.Equals(HeaderNames.Location, StringComparison.OrdinalIgnoreCase) || name.Equals(HeaderNames.ContentLocation, StringComparison.OrdinalIgnoreCase)
                ? _rewriter.RewriteUrl(values.ToString(), publicBase)
                : values;
        }

        var body = answer.Body;
        if (body.Length == 0) return;
        if (answer.Headers.ContentType.ToString().Contains("json", StringComparison.OrdinalIgnoreCase))
        {
            body = _rewriter.RewriteJson(body, publicBase, SearchConfinement.Of(context)) ?? body;
        }
        response.ContentLength = body.Length;
        await response.Body.WriteAsync(body, context.RequestAborted);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Error, "The embedded record store failed to answer a forwarded request ({ExceptionType}); the caller gets 502")]
        public static partial void StoreFailed(ILogger logger, string exceptionType);
    }
}
