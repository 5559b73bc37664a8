using System.Net;
using System.Text.Json.Nodes;
using DsnGateway.Authorization;
using DsnGateway.Proxy;

namespace DsnGateway.Admin;

/// <summary>
/// Marks a patient restricted (meta.security v3-Confidentiality R) or clears it, in the record store, with an
/// optimistic If-Match update retried on a concurrent change: the label lives on the Patient, so every
/// query the gateway confines (<see cref="CareRelationshipPolicy"/>) sees it at once.
/// </summary>
public sealed class RestrictedPatients(RecordStoreClient store)
{
    public enum Outcome
    {
        Changed,
        Unchanged,
        NotFound,
    }

    public async Task<Outcome> SetAsync(string patientId, bool restricted, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            using var read = await store.SendAsync(HttpMethod.Get, $"Patient/{Uri.EscapeDataString(patientId)}", null, null, cancellationToken);
            if (read.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone) return Outcome.NotFound;
            if (!read.IsSuccessStatusCode) throw new RecordStoreException(read.StatusCode, await read.Content.ReadAsStringAsync(cancellationToken));
            var patient = JsonNode.Parse(await read.Content.ReadAsStringAsync(cancellationToken))!.AsObject();
            var meta = patient["meta"] as JsonObject ?? new JsonObject();
            var security = meta["security"] as JsonArray ?? new JsonArray();
            var existing = security.Where(IsRestricted).ToList();
            if (restricted == existing.Count > 0) return Outcome.Unchanged;
            if (restricted)
            {
                security.Add(new JsonObject
                {
                    ["system"] = CareRelationshipPolicy.ConfidentialitySystem,
                    ["code"] = CareRelationshipPolicy.Restricted,
                    ["display"] = "restricted",
                });
            }
            else
            {
                foreach (var label in existing) security.Remove(label);
            }
            if (security.Count > 0) meta["security"] = security; else meta.Remove("security");
            patient["meta"] = meta;

            var etag = read.Headers.ETag?.ToString();
            using var write = await store.SendAsync(HttpMethod.Put, $"Patient/{Uri.EscapeDataString(patientId)}", patient.ToJsonString(), etag, cancellationToken);
            if (write.StatusCode == HttpStatusCode.PreconditionFailed) continue; // changed meanwhile: read again
            if (!write.IsSuccessStatusCode) throw new RecordStoreException(write.StatusCode, await write.Content.ReadAsStringAsync(cancellationToken));
            return Outcome.Changed;
        }
        throw new RecordStoreException(HttpStatusCode.Conflict, "The patient kept changing while its restriction was being set.");
    }

    private static bool IsRestricted(JsonNode? label) =>
        label is JsonObject o && CareRelationshipPolicy.IsRestrictionLabel((string?)o["system"], (string?)o["code"]);
}
