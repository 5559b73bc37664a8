using DsnGateway.Fhir.Outcomes;
using DsnGateway.Fhir.Serialization;
using DsnGateway.RecordStore.Interactions;
using DsnGateway.RecordStore.Search;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Task = System.Threading.Tasks.Task;

namespace DsnGateway.RecordStore.Http;

/// <summary>The FHIR R4 REST API of the record store.</summary>
public static class RecordStoreEndpoints
{
    private static readonly string[] KnownMethods = ["GET", "POST", "PUT", "DELETE"];

    /// <summary>Maps the FHIR REST interactions under <paramref name="prefix"/> (e.g. "" or "/fhir").</summary>
    public static RouteGroupBuilder MapRecordStore(this IEndpointRouteBuilder endpoints, string prefix = "")
    {
        var group = endpoints.MapGroup(prefix);
        group.WithMetadata(new RecordStorePrefix(prefix.TrimEnd('/')));
        // Literal segments outrank parameters and the catch-all ranks last, so these routes never tie
        // at run time; the analyzer cannot see route precedence.
#pragma warning disable ASP0022
        group.AddEndpointFilter<FhirErrorFilter>();

        group.MapGet("/metadata", (HttpContext http, RecordStoreService store) =>
            FhirResponses.WriteAsync(http, 200, CapabilityStatementBuilder.Build(store.Registry, BaseUrl(http))));

        // Without this, PUT/POST /metadata would reach the /{type} routes and be answered 404 (unknown type).
        group.MapMethods("/metadata", ["POST", "PUT", "DELETE", "PATCH"], (HttpContext http) =>
        {
            throw FhirOperationException.MethodNotAllowed($"{http.Request.Method} is not supported on /metadata; use GET.");
        });

        group.MapPost("/", async (HttpContext http, BundleProcessor processor) =>
        {
            var resource = await ReadBodyAsync(http);
            if (resource is not Bundle bundle)
                throw FhirOperationException.BadRequest($"The base accepts a transaction or batch Bundle, not a {resource.TypeName}.");
            await FhirResponses.WriteAsync(http, 200, await processor.ProcessAsync(bundle, BaseUrl(http), http.RequestAborted));
        });

        group.MapGet("/{type}", (HttpContext http, string type, RecordStoreService store) =>
            SearchAsync(http, type, Query(http.Request.Query), store));

        group.MapPost("/{type}/_search", async (HttpContext http, string type, RecordStoreService store) =>
        {
            var form = http.Request.HasFormContentType ? await http.Request.ReadFormAsync(http.RequestAborted) : null;
            var parameters = Query(http.Request.Query).Concat(form?.SelectMany(f => f.Value.Select(v => KeyValuePair.Create(f.Key, v ?? ""))) ?? []);
            await SearchAsync(http, type, parameters.ToList(), store);
        });

        group.MapPost("/{type}", async (HttpContext http, string type, RecordStoreService store) =>
        {
            store.EnsureSupportedType(type);
            var resource = await ReadBodyAsync(http);
            if (resource.TypeName != type)
                throw FhirOperationException.BadRequest($"The body is a {resource.TypeName}, the URL names {type}.", "resourceType");
            var result = await store.CreateAsync(resource, http.Request.Headers["If-None-Exist"].FirstOrDefault(), http.RequestAborted);
            await FhirResponses.WriteResultAsync(http, result, BaseUrl(http));
        });

        group.MapPut("/{type}", async (HttpContext http, string type, RecordStoreService store) =>
        {
            store.EnsureSupportedType(type);
            var criteria = Query(http.Request.Query);
            if (criteria.Count == 0)
                throw FhirOperationException.MethodNotAllowed($"PUT on {type} needs an id (PUT {type}/id) or a condition (PUT {type}?identifier=...).");
            var resource = await ReadBodyAsync(http);
            var result = await store.ConditionalUpdateAsync(type, criteria, resource, http.Request.Headers.IfMatch.FirstOrDefault(), http.RequestAborted);
            await FhirResponses.WriteResultAsync(http, result, BaseUrl(http));
        });

        group.MapGet("/{type}/{id}", async (HttpContext http, string type, string id, RecordStoreService store) =>
            await WriteReadAsync(http, await store.ReadAsync(type, id, http.RequestAborted)));

        group.MapPut("/{type}/{id}", async (HttpContext http, string type, string id, RecordStoreService store) =>
        {
            store.EnsureSupportedType(type);
            var resource = await ReadBodyAsync(http);
            var result = await store.UpdateAsync(type, id, resource, http.Request.Headers.IfMatch.FirstOrDefault(), http.RequestAborted);
            await FhirResponses.WriteResultAsync(http, result, BaseUrl(http));
        });

        group.MapDelete("/{type}/{id}", async (HttpContext http, string type, string id, RecordStoreService store) =>
        {
            var result = await store.DeleteAsync(type, id, http.RequestAborted);
            if (result.Stored is not null) http.Response.Headers.ETag = result.ETag;
            await FhirResponses.WriteAsync(http, 204, null);
        });

        group.MapGet("/{type}/{id}/_history", async (HttpContext http, string type, string id, RecordStoreService store) =>
            await FhirResponses.WriteAsync(http, 200, SearchBundleBuilder.History(BaseUrl(http), await store.HistoryAsync(type, id, http.RequestAborted))));

        group.MapGet("/{type}/{id}/_history/{versionId}", async (HttpContext http, string type, string id, string versionId, RecordStoreService store) =>
            await WriteReadAsync(http, await store.VReadAsync(type, id, versionId, http.RequestAborted)));

        group.MapGet("/Patient/{id}/$everything", async (HttpContext http, string id, PatientEverything everything) =>
            await FhirResponses.WriteAsync(http, 200, await everything.RunAsync(id, BaseUrl(http), http.RequestAborted)));

        // Anything else under the base: 405 for a known path with another method, else 404, both as OperationOutcome.
        group.Map("/{**rest}", (HttpContext http, string? rest) =>
        {
            var depth = (rest ?? "").Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries).Length;
            var knownShape = depth is >= 1 and <= 4 && KnownMethods.Contains(http.Request.Method) is false;
            throw knownShape
                ? FhirOperationException.MethodNotAllowed($"{http.Request.Method} is not supported here.")
                : depth is >= 1 and <= 4
                    ? FhirOperationException.MethodNotAllowed($"{http.Request.Method} /{rest} is not an interaction this store supports.")
                    : FhirOperationException.NotFound($"/{rest} is not a FHIR endpoint of this store.");
        });
#pragma warning restore ASP0022
        return group;
    }

    public static IServiceCollection AddRecordStore(this IServiceCollection services, Action<RecordStoreOptions>? configure = null)
    {
        if (configure is not null) services.Configure(configure);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(SearchParameterRegistry.Default);
        services.AddSingleton<Storage.IResourceRepository>(sp =>
            new Storage.SqliteResourceRepository(sp.GetRequiredService<IOptions<RecordStoreOptions>>().Value.DatabasePath));
        services.AddSingleton<RecordStoreService>();
        services.AddSingleton<BundleProcessor>();
        services.AddSingleton<PatientEverything>();
        return services;
    }

    private static async Task SearchAsync(HttpContext http, string type, IReadOnlyList<KeyValuePair<string, string>> parameters, RecordStoreService store)
    {
        store.EnsureSupportedType(type);
        var lenient = http.Request.Headers["Prefer"].ToString().Contains("handling=lenient", StringComparison.OrdinalIgnoreCase);
        var query = store.Parser.Parse(type, parameters, lenient);
        var page = await store.SearchAsync(query, http.RequestAborted);
        await FhirResponses.WriteAsync(http, 200, SearchBundleBuilder.Searchset(BaseUrl(http), query, parameters, page));
    }

    private static Task WriteReadAsync(HttpContext http, InteractionResult result)
    {
        http.Response.Headers.ETag = result.ETag;
        http.Response.Headers.LastModified = result.Stored!.LastUpdated.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        return FhirResponses.WriteStoredAsync(http, 200, result.Stored);
    }

    private static List<KeyValuePair<string, string>> Query(IQueryCollection query) =>
        query.SelectMany(q => q.Value.Select(v => KeyValuePair.Create(q.Key, v ?? ""))).ToList();

    /// <summary>The base URL links are written with: configured, or this request's own.</summary>
    public static string BaseUrl(HttpContext http)
    {
        var configured = http.RequestServices.GetRequiredService<IOptions<RecordStoreOptions>>().Value.PublicBaseUrl;
        if (!string.IsNullOrEmpty(configured)) return configured.TrimEnd('/');
        var request = http.Request;
        var prefix = http.GetEndpoint()?.Metadata.GetMetadata<RecordStorePrefix>()?.Value ?? "";
        return $"{request.Scheme}://{request.Host}{request.PathBase}{prefix}";
    }

    /// <summary>The path the store's endpoints are mapped under, carried as endpoint metadata.</summary>
    private sealed record RecordStorePrefix(string Value);

    private static async Task<Resource> ReadBodyAsync(HttpContext http)
    {
        var contentType = http.Request.ContentType ?? "";
        if (contentType.Length > 0 && !contentType.Contains("json", StringComparison.OrdinalIgnoreCase))
            throw new FhirOperationException(415, "not-supported", $"Content type '{contentType}' is not supported; send application/fhir+json.");
        var limit = http.RequestServices.GetRequiredService<IOptions<RecordStoreOptions>>().Value.MaxRequestBodyBytes;
        if (http.Request.ContentLength > limit)
            throw new FhirOperationException(413, "too-costly", $"The body is larger than the {limit} bytes accepted.");
        // The server's own ceiling (Kestrel: 30 MB by default) must not refuse what the configured limit accepts.
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
            bodySize.MaxRequestBodySize = limit;
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await http.Request.Body.ReadAsync(chunk, http.RequestAborted)) > 0)
        {
            if (buffer.Length + read > limit)
                throw new FhirOperationException(413, "too-costly", $"The body is larger than the {limit} bytes accepted.");
            buffer.Write(chunk, 0, read);
        }
        if (buffer.Length == 0) throw FhirOperationException.BadRequest("The request has no body; a FHIR resource was expected.");
        return ParseBody(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    }

    /// <summary>Firely's strict parse of a client's resource (FhirJson names a lone resource's missing elements by its type).</summary>
    private static Resource ParseBody(ReadOnlySpan<byte> body) => FhirJson.Parse(body);
}
