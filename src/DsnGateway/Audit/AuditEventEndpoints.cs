using System.Globalization;
using DsnGateway.Fhir.Outcomes;
using DsnGateway.Fhir.Serialization;
using DsnGateway.Runtime;
using DsnGateway.RecordStore.Http;
using Microsoft.Data.Sqlite;
using Hl7.Fhir.Model;
using Microsoft.Extensions.Options;
using Task = System.Threading.Tasks.Task;

namespace DsnGateway.Audit;

/// <summary>
/// <c>/fhir/AuditEvent</c>, answered by the gateway from its audit store (never routed to the record store):
/// search (GET) and read (GET /{id}). Other methods are refused: the audit is written only by the gateway.
/// </summary>
internal static partial class AuditEventEndpoints
{
    /// <summary>One endpoint for search, read and the refused methods, so one authorization policy covers them all.</summary>
    public static RouteHandlerBuilder MapAuditEvents(this IEndpointRouteBuilder endpoints, string path = "/fhir/AuditEvent")
    {
        var pattern = path.TrimEnd('/') + "/{id?}";
        return endpoints.MapMethods(pattern, ["GET", "POST", "PUT", "PATCH", "DELETE"], HandleAsync);
    }

    private static async Task HandleAsync(HttpContext http, string? id, AuditSearch search, AuditStore store, ILoggerFactory loggers)
    {
        try
        {
            if (!HttpMethods.IsGet(http.Request.Method))
                throw FhirOperationException.MethodNotAllowed("AuditEvents are written by the gateway only; this endpoint supports GET (search and read).");
            if (id is null) await SearchAsync(http, search);
            else await ReadAsync(http, store, id);
        }
        catch (FhirOperationException ex)
        {
            await WriteAsync(http, ex.StatusCode, ex.ToOutcome());
        }
        catch (SqliteException ex)
        {
            Log.AuditStoreFailed(loggers.CreateLogger(typeof(AuditEventEndpoints).FullName!), ex, ex.SqliteErrorCode);
            http.Response.Headers.RetryAfter = "1";
            await WriteAsync(http, 503, OperationOutcomes.Error("transient", "The audit store is unavailable; retry shortly."));
        }
    }

    private static async Task SearchAsync(HttpContext http, AuditSearch search)
    {
        var parameters = http.Request.Query.SelectMany(q => q.Value.Select(v => KeyValuePair.Create(q.Key, v ?? ""))).ToList();
        var query = AuditSearchQuery.Parse(parameters);
        var page = await search.SearchAsync(query, http.RequestAborted);
        var baseUrl = BaseUrl(http);
        await WriteAsync(http, 200, Searchset(baseUrl, query, page));
    }

    private static async Task ReadAsync(HttpContext http, AuditStore store, string id)
    {
        var stored = long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var seq)
            ? await store.ReadAsync(seq, http.RequestAborted)
            : null;
        if (stored is null) throw FhirOperationException.NotFound($"AuditEvent/{id} is not known.");
        await WriteAsync(http, 200, FhirJson.Parse(stored.Json));
    }

    public static Bundle Searchset(string baseUrl, AuditSearchQuery query, AuditSearchPage page)
    {
        var links = new List<Bundle.LinkComponent> { Link("self", baseUrl, query.Parameters, query.Cursor) };
        if (page.Next is not null) links.Add(Link("next", baseUrl, query.Parameters, page.Next));
        if (page.Previous is not null) links.Add(Link("previous", baseUrl, query.Parameters, page.Previous));
        return new Bundle
        {
            Id = Guid.NewGuid().ToString("D"),
            Meta = new Meta { LastUpdatedElement = FhirResponses.InstantElement(DateTimeOffset.UtcNow) },
            Type = Bundle.BundleType.Searchset,
            Total = checked((int)page.Total),
            Link = links,
            Entry = page.Matches.Select(m => new Bundle.EntryComponent
            {
                FullUrl = $"{baseUrl}/AuditEvent/{m.Seq.ToString(CultureInfo.InvariantCulture)}",
                Resource = FhirJson.Parse(m.Json),
                Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Match },
            }).ToList(),
        };
    }

    private static Bundle.LinkComponent Link(string relation, string baseUrl, IReadOnlyList<KeyValuePair<string, string>> parameters, AuditPageCursor? cursor)
    {
        var all = cursor is null ? parameters : [.. parameters, KeyValuePair.Create("_cursor", cursor.Encode())];
        var query = string.Join("&", all.Select(p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(p.Value)}"));
        return new Bundle.LinkComponent { Relation = relation, Url = query.Length == 0 ? $"{baseUrl}/AuditEvent" : $"{baseUrl}/AuditEvent?{query}" };
    }

    /// <summary>The FHIR base clients see: Gateway:PublicBaseUrl, else this request's scheme and host plus /fhir.</summary>
    private static string BaseUrl(HttpContext http)
    {
        var options = http.RequestServices.GetRequiredService<IOptionsMonitor<GatewayOptions>>().CurrentValue;
        return options.PublicFhirBase(http.Request);
    }

    private static Task WriteAsync(HttpContext http, int status, Resource resource)
    {
        if (http.Response.HasStarted) return Task.CompletedTask;
        return FhirResponses.WriteAsync(http, status, resource);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Error, "Audit store failed while answering an AuditEvent request (SQLite error {Code})")]
        public static partial void AuditStoreFailed(ILogger logger, Exception exception, int code);
    }
}
