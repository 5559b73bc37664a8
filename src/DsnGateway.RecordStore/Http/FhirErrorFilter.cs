using DsnGateway.Fhir.Outcomes;
using DsnGateway.Fhir.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace DsnGateway.RecordStore.Http;

/// <summary>Turns every failure of a FHIR endpoint into an OperationOutcome with the right status.</summary>
public sealed partial class FhirErrorFilter : IEndpointFilter
{
    private readonly ILogger<FhirErrorFilter> _logger;

    public FhirErrorFilter(ILogger<FhirErrorFilter> logger) => _logger = logger;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        try
        {
            return await next(context);
        }
        catch (FhirOperationException ex)
        {
            await WriteIfPossible(http, ex.StatusCode, ex.ToOutcome());
        }
        catch (FhirParseException ex)
        {
            // One issue per problem the parser found, each at its element path: the client fixes them all at once.
            await WriteIfPossible(http, 400, OperationOutcomes.Invalid(ex.Issues));
        }
        catch (BadHttpRequestException ex)
        {
            await WriteIfPossible(http, ex.StatusCode, OperationOutcomes.Error(ex.StatusCode == 413 ? "too-costly" : "invalid", ex.Message));
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is 5 or 6) // SQLITE_BUSY, SQLITE_LOCKED
        {
            Log.StoreBusy(_logger, ex.SqliteErrorCode);
            http.Response.Headers.RetryAfter = "1";
            await WriteIfPossible(http, 503, OperationOutcomes.Error("transient", "The record store is busy; retry shortly."));
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The client went away: nothing to answer.
        }
        catch (Exception ex)
        {
            Log.Unexpected(_logger, ex, http.Request.Method, http.Request.Path);
            await WriteIfPossible(http, 500, OperationOutcomes.Error("exception", "The record store failed to process the request; the error is logged."));
        }
        return Results.Empty;
    }

    private static Task WriteIfPossible(HttpContext context, int status, Hl7.Fhir.Model.OperationOutcome outcome)
    {
        if (context.Response.HasStarted) return Task.CompletedTask;
        context.Response.Clear();
        return FhirResponses.WriteAsync(context, status, outcome);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Record store busy (SQLite error {Code})")]
        public static partial void StoreBusy(ILogger logger, int code);

        // The path may carry an id, never patient data: ids are opaque.
        [LoggerMessage(2, LogLevel.Error, "Unexpected failure of {Method} {Path}")]
        public static partial void Unexpected(ILogger logger, Exception exception, string method, string path);
    }
}
