using DsnGateway.Fhir.Outcomes;
using DsnGateway.RecordStore.Http;

namespace DsnGateway.Admin;

/// <summary>Operations under /admin: one group, so one access declaration (made where it is mapped) covers them all.</summary>
internal static class AdminEndpoints
{
    public static RouteGroupBuilder MapAdmin(this IEndpointRouteBuilder endpoints)
    {
        var admin = endpoints.MapGroup("/admin");
        admin.MapPost("/patients/{id}/restricted", (HttpContext http, string id, RestrictedPatients restricted) =>
            SetAsync(http, id, true, restricted));
        admin.MapDelete("/patients/{id}/restricted", (HttpContext http, string id, RestrictedPatients restricted) =>
            SetAsync(http, id, false, restricted));
        admin.MapGet("/deadletters", async (Ingestion.InboxStore inbox, CancellationToken cancellationToken) =>
            Results.Json((await inbox.ListDeadLettersAsync(includeReplayed: false, cancellationToken)).Select(l => new
            {
                l.Id,
                l.Received,
                sender = $"{l.SenderApplication}/{l.SenderFacility}",
                controlId = l.ControlId,
                stage = l.Stage.ToString().ToLowerInvariant(),
                l.Reason,
            })));
        admin.MapPost("/deadletters/{id:long}/replay", async (long id, Ingestion.DeadLetterReplay replay, CancellationToken cancellationToken) =>
            Results.Json(new { id, outcome = await replay.ReplayAsync(id, cancellationToken) }));
        return admin;
    }

    private static async Task SetAsync(HttpContext http, string id, bool restricted, RestrictedPatients patients)
    {
        RestrictedPatients.Outcome outcome;
        try
        {
            outcome = await patients.SetAsync(id, restricted, http.RequestAborted);
        }
        catch (Fhir.Serialization.FhirParseException)
        {
            // The store's answer is not a Patient Firely reads: the store's failure, nothing was written (never a 500).
            await FhirResponses.WriteAsync(http, 503, OperationOutcomes.Error("transient", $"The record store's Patient/{id} could not be read; nothing was changed."));
            return;
        }
        var state = restricted ? "restricted" : "no longer restricted";
        await (outcome switch
        {
            RestrictedPatients.Outcome.NotFound => FhirResponses.WriteAsync(http, 404, OperationOutcomes.Error("not-found", $"Patient/{id} is not known.")),
            RestrictedPatients.Outcome.Unchanged => FhirResponses.WriteAsync(http, 200, OperationOutcomes.Information($"Patient/{id} was already {state}.")),
            _ => FhirResponses.WriteAsync(http, 200, OperationOutcomes.Information($"Patient/{id} is now {state}.")),
        });
    }
}
