using System.Globalization;
using DsnGateway.Fhir.Primitives;
using DsnGateway.Fhir.Serialization;
using DsnGateway.RecordStore.Interactions;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Http;
using Task = System.Threading.Tasks.Task;

namespace DsnGateway.RecordStore.Http;

/// <summary>Writes FHIR answers: the resource as <c>application/fhir+json</c> with its version headers.</summary>
public static class FhirResponses
{
    public const string FhirJsonContentType = "application/fhir+json; charset=utf-8";

    public static Task WriteAsync(HttpContext context, int status, Resource? resource)
    {
        context.Response.StatusCode = status;
        if (resource is null) return Task.CompletedTask;
        context.Response.ContentType = FhirJsonContentType;
        var pretty = context.Request.Query.TryGetValue("_pretty", out var p) && p == "true";
        return FhirJson.SerializeAsync(context.Response.Body, resource, pretty, context.RequestAborted);
    }

    /// <summary>A stored version as it is kept: its JSON is already FHIR JSON, so it goes out without a parse.</summary>
    public static Task WriteStoredAsync(HttpContext context, int status, Storage.StoredResource stored)
    {
        var pretty = context.Request.Query.TryGetValue("_pretty", out var p) && p == "true";
        if (pretty) return WriteAsync(context, status, Storage.StoredJson.Parse(stored));
        context.Response.StatusCode = status;
        context.Response.ContentType = FhirJsonContentType;
        return context.Response.WriteAsync(stored.Json!, context.RequestAborted);
    }

    /// <summary>A single-resource answer: ETag, Last-Modified, Location on create, and the body the client asked for with Prefer.</summary>
    public static Task WriteResultAsync(HttpContext context, InteractionResult result, string baseUrl)
    {
        var headers = context.Response.Headers;
        if (result.Stored is { } stored)
        {
            headers.ETag = result.ETag;
            headers.LastModified = stored.LastUpdated.ToString("R", CultureInfo.InvariantCulture);
            if (result.Status == 201) headers.Location = $"{baseUrl}/{result.Location}";
        }
        var prefer = context.Request.Headers["Prefer"].ToString();
        if (prefer.Contains("return=minimal", StringComparison.OrdinalIgnoreCase))
            return WriteAsync(context, result.Status, null);
        if (prefer.Contains("return=OperationOutcome", StringComparison.OrdinalIgnoreCase))
            return WriteAsync(context, result.Status, Fhir.Outcomes.OperationOutcomes.Information($"{result.Location} written."));
        return WriteAsync(context, result.Status, result.Resource);
    }

    /// <summary>Now, to the millisecond (the precision the store keeps), for a Bundle's or a resource's meta.</summary>
    public static DateTimeOffset Timestamp() => DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

    /// <summary>
    /// An instant element written as the store has always written instants: UTC, milliseconds, <c>Z</c>. Firely
    /// writes a <see cref="DateTimeOffset"/> with <c>+00:00</c> and seven decimals; stored versions keep the one form,
    /// so an unchanged update is still recognised by its JSON against versions written before.
    /// </summary>
    public static Instant InstantElement(DateTimeOffset instant) => new() { JsonValue = PartialDateTime.FormatInstant(instant) };
}
