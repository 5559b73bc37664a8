using System.Net;
using DsnGateway.Fhir.Model;
using DsnGateway.Fhir.Serialization;
using DsnGateway.Mapping.Identity;
using DsnGateway.Proxy;

namespace DsnGateway.Ingestion;

/// <summary>
/// Stage 4: a committed message's Bundle reaches the record store. The Patient it carries is merged with the
/// one the store already has for that person (found by NAM, else by any of its MRNs): identifiers accumulate,
/// and demographics are the sender's latest snapshot by source time (MSH-7), so an older message never
/// overwrites newer data. The merged Patient is written with If-Match, so a concurrent change makes the
/// delivery transient (retried), never lost.
/// </summary>
public sealed class RecordStoreDelivery(RecordStoreClient store, IdentityConflicts conflicts)
{
    /// <summary>Carried on every Patient the gateway writes: the source time of the demographics it holds.</summary>
    public const string SourceTimeExtension = "urn:dsn:fhir:extension:demographics-source-time";

    public async Task<DeliveryResult> DeliverAsync(string bundleJson, CancellationToken cancellationToken)
    {
        Bundle bundle;
        try
        {
            bundle = FhirJson.Parse<Bundle>(bundleJson);
        }
        catch (FhirParseException ex)
        {
            return DeliveryResult.Permanent($"the stored Bundle is not valid FHIR: {ex.Message}");
        }

        try
        {
            foreach (var entry in (bundle.Entry ?? []).Where(e => e.Resource is Patient && e.Request?.Method == "PUT"))
            {
                var incoming = (Patient)entry.Resource!;
                // Checked again here: the intake could not, if the store was down when the message arrived.
                if (await conflicts.FindOrThrowAsync(incoming, cancellationToken) is { } conflict)
                    return DeliveryResult.Permanent($"207: {conflict}");
                var current = await FindCurrentAsync(incoming, cancellationToken);
                if (current is null) continue; // the conditional PUT creates the patient
                entry.Resource = Merge(current, incoming);
                entry.Request!.Url = $"Patient/{current.Id}";
                entry.Request.IfMatch = $"W/\"{current.Meta?.VersionId}\"";
            }

            using var response = await store.SendAsync(HttpMethod.Post, "", FhirJson.Serialize(bundle), null, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            // 412: the patient changed between our read and our write; read again and retry.
            return response.StatusCode == HttpStatusCode.PreconditionFailed
                ? DeliveryResult.Transient("the patient changed during delivery")
                : DeliveryResult.FromStatusCode((int)response.StatusCode, body.Length > 500 ? body[..500] : body);
        }
        catch (RecordStoreException ex)
        {
            return DeliveryResult.FromStatusCode((int)ex.Status, ex.Body.Length > 500 ? ex.Body[..500] : ex.Body);
        }
        catch (HttpRequestException ex)
        {
            return DeliveryResult.Transient($"the record store is unreachable: {ex.Message}");
        }
    }

    private async Task<Patient?> FindCurrentAsync(Patient incoming, CancellationToken cancellationToken)
    {
        var keys = (incoming.Identifier ?? [])
            .Where(i => i.Value is not null && (i.System == QuebecHealthNumber.System || i.System?.StartsWith("urn:dsn:mrn:", StringComparison.Ordinal) == true))
            .OrderBy(i => i.System == QuebecHealthNumber.System ? 0 : 1);
        foreach (var key in keys)
        {
            var found = await store.SearchAsync("Patient", [KeyValuePair.Create("identifier", $"{key.System}|{key.Value}")], cancellationToken);
            if (found.OfType<Patient>().FirstOrDefault() is { } patient) return patient;
        }
        return null;
    }

    /// <summary>The person as the store will hold them: every identifier ever received, the newest demographics.</summary>
    public static Patient Merge(Patient current, Patient incoming)
    {
        var incomingIsNewer = SourceTime(incoming) >= SourceTime(current);
        var merged = FhirJson.DeepCopy(incomingIsNewer ? incoming : current);
        merged.Id = current.Id;
        merged.Meta = current.Meta;
        var identifiers = new List<Identifier>(current.Identifier ?? []);
        foreach (var identifier in incoming.Identifier ?? [])
        {
            if (!identifiers.Any(i => i.System == identifier.System && i.Value == identifier.Value)) identifiers.Add(identifier);
        }
        merged.Identifier = identifiers;
        // A merge (A40) marks the losing record; a later demographic message must not reactivate or unlink it.
        merged.Active = current.Active == false ? false : merged.Active;
        merged.Link = current.Link ?? merged.Link;
        return merged;
    }

    private static DateTimeOffset SourceTime(Patient patient) =>
        patient.Extension?.FirstOrDefault(e => e.Url == SourceTimeExtension)?.ValueDateTime is { } text
        && Fhir.Primitives.FhirDateTime.TryParse(text, out var time)
            ? time.Start
            : DateTimeOffset.MinValue;
}
