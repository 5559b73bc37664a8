using DsnGateway.Authentication;
using DsnGateway.Fhir.Outcomes;
using DsnGateway.RecordStore.Http;
using Microsoft.Extensions.Options;

namespace DsnGateway.Ingestion;

/// <summary>
/// <c>POST /ingest/hl7v2</c>: one HL7 v2 message as the body, answered 200 with its ACK (AA, AE or AR) as
/// <c>x-application/hl7-v2+er7</c>. The access middleware has already admitted only system senders with a
/// scope granting create on every type; the token's establishment must be the message's MSH-4.
/// </summary>
internal static class IngestEndpoints
{
    public const string AckContentType = "x-application/hl7-v2+er7";

    /// <summary>The HL7 v2 intake; its access is declared where it is mapped (GatewayApplication).</summary>
    public static RouteHandlerBuilder MapIngestion(this IEndpointRouteBuilder endpoints)
    {
        return endpoints.MapPost("/ingest/hl7v2", async (HttpContext http, Hl7Intake intake, IOptionsMonitor<IngestionOptions> options) =>
        {
            var caller = (CallerIdentity)http.Items[typeof(CallerIdentity)]!;
            var contentType = http.Request.ContentType ?? "";
            if (contentType.Length > 0 && !contentType.Contains("hl7-v2", StringComparison.OrdinalIgnoreCase) && !contentType.StartsWith("text/plain", StringComparison.OrdinalIgnoreCase))
            {
                await FhirResponses.WriteAsync(http, 415, OperationOutcomes.Error("not-supported", $"Send the message as application/hl7-v2 or {AckContentType}, not '{contentType}'."));
                return;
            }
            var max = options.CurrentValue.MaxMessageBytes;
            using var body = new MemoryStream();
            var buffer = new byte[81920];
            int read;
            long total = 0;
            while ((read = await http.Request.Body.ReadAsync(buffer, http.RequestAborted)) > 0)
            {
                total += read;
                // Past the ceiling only the start is kept: it addresses the AR; the rest is read and dropped.
                if (body.Length < 16 * 1024 || total <= max) body.Write(buffer, 0, read);
            }
            if (total == 0)
            {
                await FhirResponses.WriteAsync(http, 400, OperationOutcomes.Error("required", "The body is empty; send one HL7 v2 message."));
                return;
            }
            IntakeOutcome outcome;
            try
            {
                outcome = total > max
                    ? await intake.RefuseOversizedAsync(body.GetBuffer().AsMemory(0, (int)Math.Min(body.Length, 16 * 1024)), total, http.RequestAborted)
                    : await intake.ReceiveAsync(body.GetBuffer().AsMemory(0, (int)body.Length), caller.Establishment, replay: false, http.RequestAborted);
            }
            catch (InboxUnavailableException)
            {
                http.Response.Headers.RetryAfter = "5";
                await FhirResponses.WriteAsync(http, 503, OperationOutcomes.Error("transient", "The message could not be stored durably and is not acknowledged; send it again."));
                return;
            }
            http.Response.StatusCode = 200;
            http.Response.ContentType = AckContentType;
            await http.Response.Body.WriteAsync(outcome.Ack, http.RequestAborted);
        });
    }
}
