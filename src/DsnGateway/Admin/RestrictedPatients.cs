using System.Net;
using DsnGateway.Authorization;
using DsnGateway.Fhir.Serialization;
using DsnGateway.Proxy;
using Hl7.Fhir.Model;

namespace DsnGateway.Admin;

/// <summary>
/// Marks a patient restricted (meta.security v3-Confidentiality R) or clears it, in the record store, with an
/// optimistic If-Match update retried on a concurrent change: the label lives on the Patient, so every
/// query the gateway confines (<see cref="CareRelationshipPolicy"/>) sees it at once.
/// </summary>
internal sealed class RestrictedPatients(RecordStoreClient store)
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
            // The store holds only what Firely's strict parser accepts, so a stored Patient parses; one that does not is
            // the store's failure (FhirParseException, answered 503 by the caller), never rewritten.
            var patient = FhirJson.Parse<Patient>(await read.Content.ReadAsByteArrayAsync(cancellationToken));
            var meta = patient.Meta ??= new Meta();
            var existing = meta.Security.Where(IsRestricted).ToList();
            if (restricted == existing.Count > 0) return Outcome.Unchanged;
            if (restricted)
                meta.Security.Add(new Coding(CareRelationshipPolicy.ConfidentialitySystem, CareRelationshipPolicy.Restricted, "restricted"));
            else
                meta.Security.RemoveAll(existing.Contains);

            var etag = read.Headers.ETag?.ToString();
            using var write = await store.SendAsync(HttpMethod.Put, $"Patient/{Uri.EscapeDataString(patientId)}", FhirJson.Serialize(patient), etag, cancellationToken);
            if (write.StatusCode == HttpStatusCode.PreconditionFailed) continue; // changed meanwhile: read again
            if (!write.IsSuccessStatusCode) throw new RecordStoreException(write.StatusCode, await write.Content.ReadAsStringAsync(cancellationToken));
            return Outcome.Changed;
        }
        throw new RecordStoreException(HttpStatusCode.Conflict, "The patient kept changing while its restriction was being set.");
    }

    private static bool IsRestricted(Coding label) => CareRelationshipPolicy.IsRestrictionLabel(label.System, label.Code);
}
