using DsnGateway.Authentication;
using DsnGateway.Fhir.Outcomes;
using DsnGateway.Mapping.Csv;
using DsnGateway.Mapping.Establishments;
using DsnGateway.RecordStore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace DsnGateway.Ingestion.Csv;

/// <summary>
/// <c>POST /ingest/csv/{establishment}/{kind}</c>: the body is an export file, streamed through the importer (never
/// held whole). The access middleware has already admitted only system senders with a scope granting create on
/// every type; here the token's establishment must be the path's (else 403), and the establishment must have a
/// layout for that kind (else 404; <c>?layout=</c> names one of several, else the header row decides). Answers 200 with
/// <c>{accepted, rejected, rejects: [{line, reason}]}</c> once every accepted row is committed to the inbox; 400 when
/// the file fits no layout or is not in its encoding (nothing admitted). The body is spooled to a temporary file
/// first: the encoding is checked over the whole file before any row is admitted.
/// </summary>
internal static class CsvIngestEndpoints
{
    /// <summary>At most this many rejects are listed in the answer (<c>rejectsOmitted</c> counts the rest): the answer stays bounded.</summary>
    public const int MaxListedRejects = 10_000;

    /// <summary>The export's name for its Provenance: <c>?file=</c> when the sender gives it, else one naming the channel.</summary>
    private static string FileNameOf(HttpContext http, Establishment establishment, CsvKind kind)
    {
        var given = Path.GetFileName(http.Request.Query["file"].ToString());
        return string.IsNullOrWhiteSpace(given) ? $"{establishment.Code}-{CsvKinds.Name(kind)}-http.csv" : given;
    }

    /// <summary>The CSV intake; its access is declared where it is mapped (GatewayApplication).</summary>
    public static RouteHandlerBuilder MapCsvIngestion(this IEndpointRouteBuilder endpoints)
    {
        return endpoints.MapPost("/ingest/csv/{establishment}/{kind}", async (HttpContext http, string establishment, string kind,
            CsvImporter importer, CsvLayouts layouts, SenderRegistry senders) =>
        {
            var caller = (CallerIdentity)http.Items[typeof(CallerIdentity)]!;
            if (!CsvKinds.TryParse(kind, out var csvKind))
            {
                await FhirResponses.WriteAsync(http, 404, OperationOutcomes.Error("not-found", $"Unknown kind '{kind}': {string.Join(", ", CsvKinds.Names)}."));
                return;
            }
            if (senders.Establishments.ByCode(establishment) is not { } known)
            {
                await FhirResponses.WriteAsync(http, 404, OperationOutcomes.Error("not-found", $"Unknown establishment '{establishment}'."));
                return;
            }
            if (!string.Equals(caller.Establishment, known.Code, StringComparison.OrdinalIgnoreCase))
            {
                await FhirResponses.WriteAsync(http, 403, OperationOutcomes.Error("forbidden",
                    $"The token's establishment {caller.Establishment ?? "(none)"} may not send exports for {known.Code}."));
                return;
            }
            var candidates = layouts.Of(known.Code, csvKind);
            if (candidates.Count == 0)
            {
                await FhirResponses.WriteAsync(http, 404, OperationOutcomes.Error("not-found",
                    $"No CSV layout for {known.Code} {CsvKinds.Name(csvKind)}: add one to the CSV layouts configuration."));
                return;
            }
            if (http.Request.Query["layout"].ToString() is { Length: > 0 } name)
            {
                if (layouts.Find(known.Code, csvKind, name) is not { } named)
                {
                    await FhirResponses.WriteAsync(http, 400, OperationOutcomes.Error("invalid",
                        $"No CSV layout '{name}' for {known.Code} {CsvKinds.Name(csvKind)}; configured: {string.Join("; ", candidates.Select(l => l.Description))}."));
                    return;
                }
                candidates = [named];
            }
            // An export is many megabytes: the request-size ceiling of ordinary requests does not apply; it is streamed.
            if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size) size.MaxRequestBodySize = null;

            var rejects = new List<object>();
            var omitted = 0L;
            CsvImportResult result;
            try
            {
                result = await importer.ImportAsync(candidates, http.Request.Body, FileNameOf(http, known, csvKind), reject =>
                {
                    if (rejects.Count < MaxListedRejects) rejects.Add(new { line = reject.Line, reason = reject.Reason });
                    else omitted++;
                    return ValueTask.CompletedTask;
                }, null, http.RequestAborted);
            }
            catch (CsvFileException ex)
            {
                await FhirResponses.WriteAsync(http, 400, OperationOutcomes.Error("invalid", $"The file was refused, nothing imported: {ex.Message}."));
                return;
            }
            catch (Exception ex) when (ex is InboxUnavailableException or HttpRequestException or Proxy.RecordStoreException)
            {
                http.Response.Headers.RetryAfter = "5";
                await FhirResponses.WriteAsync(http, 503, OperationOutcomes.Error("transient",
                    "The import could not finish (inbox or record store unavailable); rows committed so far are kept: send the file again."));
                return;
            }
            await http.Response.WriteAsJsonAsync(new
            {
                accepted = result.Accepted,
                rejected = result.Rejected,
                @new = result.New,
                updated = result.Updated,
                unchanged = result.Unchanged,
                layout = result.Layout,
                rejects,
                rejectsOmitted = omitted,
            }, http.RequestAborted);
        });
    }
}
