using System.Net;
using DsnGateway.Fhir.Model;
using DsnGateway.Fhir.Serialization;
using DsnGateway.Mapping.Bundles;
using DsnGateway.Mapping.Identity;
using DsnGateway.Proxy;

namespace DsnGateway.Ingestion;

/// <summary>
/// Stage 4: a committed message's Bundle reaches the record store. The Patient it carries is merged with the
/// one the store already has for that person (found by NAM, else by any of its MRNs): identifiers accumulate,
/// and demographics are the sender's latest snapshot by source time (MSH-7), so an older message never
/// overwrites newer data; a snapshot holding what the stored Patient holds writes no version, and its source time is
/// remembered in the inbox (<see cref="InboxStore.LatestDemographicsTimeAsync"/>, ADR 0012) for that comparison.
/// The merged Patient is written with If-Match, so a concurrent change makes the delivery transient (retried),
/// never lost. A Patient without a source time (the PID of an order, a charge or
/// an account message: docs/arch/0008) creates the person when unknown and adds identifiers, never demographics.
/// A MedicationRequest or Procedure is found by any of its business identifiers (placer, filler, procedure id),
/// so a repeated or updated order or procedure updates the one resource: identifiers accumulate, the message's
/// statement replaces the rest, written with If-Match; when none is found the conditional update creates it.
/// </summary>
public sealed partial class RecordStoreDelivery(
    RecordStoreClient store, IdentityConflicts conflicts, InboxStore inbox, DeliveryFault? fault = null, ILogger<RecordStoreDelivery>? logger = null)
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
            // A40: the entry naming the record merged away is resolved after the survivor (below).
            var mergedEntry = (bundle.Entry ?? []).FirstOrDefault(e => e.Resource is Patient p && e.Request?.Method == "PUT" && AdtBundleBuilder.IsMergedRecord(p));
            BundleEntry? survivorEntry = null;
            Patient? survivorCurrent = null;
            // fullUrl of each Patient entry -> the stored patient it updates (absent when it creates one).
            var storedPatients = new Dictionary<string, string>(StringComparer.Ordinal);
            // Stored patient id -> the source time of a newer snapshot that changed nothing, remembered once delivered.
            var snapshots = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
            foreach (var entry in (bundle.Entry ?? []).Where(e => e.Resource is Patient && e.Request?.Method == "PUT" && e != mergedEntry))
            {
                var incoming = (Patient)entry.Resource!;
                survivorEntry ??= entry;
                // Checked again here: the intake could not, if the store was down when the message arrived.
                if (await conflicts.FindOrThrowAsync(incoming, cancellationToken) is { } conflict)
                    return DeliveryResult.Permanent($"207: {conflict}");
                var current = await FindCurrentAsync(incoming, cancellationToken);
                if (current is null) continue; // the conditional PUT creates the patient
                if (entry == survivorEntry) survivorCurrent = current;
                if (entry.FullUrl is not null) storedPatients[entry.FullUrl] = $"Patient/{current.Id}";
                var snapshot = HasSourceTime(incoming) && current.Id is not null ? SourceTime(incoming) : (DateTimeOffset?)null;
                // Only a snapshot at least as new as the Patient's own source time can lose to a remembered one.
                var latestSeen = snapshot >= SourceTime(current) ? await inbox.LatestDemographicsTimeAsync(current.Id!, cancellationToken) : null;
                var merged = Merge(current, incoming, latestSeen);
                // Newer, yet nothing changed: the Patient keeps its older time, so the inbox remembers this one.
                if (snapshot > SourceTime(merged) && !(latestSeen >= snapshot)) snapshots[current.Id!] = snapshot.Value;
                entry.Resource = merged;
                entry.Request!.Url = $"Patient/{current.Id}";
                entry.Request.IfMatch = $"W/\"{current.Meta?.VersionId}\"";
            }
            if (mergedEntry is not null && survivorEntry is not null
                && await ApplyMergeAsync(bundle, survivorEntry, survivorCurrent, mergedEntry, cancellationToken) is { } refused)
                return refused;
            foreach (var entry in (bundle.Entry ?? []).Where(e => e.Resource is MedicationRequest or Procedure && e.Request?.Method == "PUT"))
            {
                if (await UpdateExistingAsync(entry, storedPatients, cancellationToken) is { } orderRefused) return orderRefused;
            }

            using var response = await store.SendAsync(HttpMethod.Post, "", FhirJson.Serialize(bundle), null, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            // 412: the patient changed between our read and our write; read again and retry.
            var result = response.StatusCode == HttpStatusCode.PreconditionFailed
                ? DeliveryResult.Transient("the patient changed during delivery")
                : DeliveryResult.FromStatusCode((int)response.StatusCode, body.Length > 500 ? body[..500] : body);
            if (result.Outcome != DeliveryOutcome.Delivered) return result;
            (fault ?? DeliveryFault.None).AfterStoreCommit();
            // After the store's commit: a crash before this redelivers the message, which remembers it then.
            foreach (var (patientId, sourceTime) in snapshots) await inbox.RememberDemographicsTimeAsync(patientId, sourceTime, cancellationToken);
            return result;
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

    /// <summary>
    /// A40: the survivor takes every identifier of the record merged away (so a later message naming the old MRN
    /// lands on it), and that record is retired in the same transaction: <c>active=false</c>, a replaced-by link to
    /// the survivor, and no NAM or MRN left (else a conditional search by the old MRN would match two patients).
    /// A merged record the store does not hold is not an error (most ADT feeds send merges of records never
    /// seen here): the survivor is written with the MRG identifiers (so a later message naming them lands on it),
    /// nothing else, and a warning is logged. Two different NAMs are never joined: that merge is refused (207,
    /// permanent, so it goes to the dead letters for an operator).
    /// </summary>
    private async Task<DeliveryResult?> ApplyMergeAsync(Bundle bundle, BundleEntry survivorEntry, Patient? survivorCurrent, BundleEntry mergedEntry, CancellationToken cancellationToken)
    {
        var survivor = (Patient)survivorEntry.Resource!;
        var named = (Patient)mergedEntry.Resource!;
        var mergedCurrent = await FindCurrentAsync(named, cancellationToken);
        var notFound = mergedCurrent is null;
        if (mergedCurrent is not null && survivorCurrent is not null && mergedCurrent.Id == survivorCurrent.Id)
            mergedCurrent = null; // already merged (a replay), or MRG names the survivor itself

        if (mergedCurrent is not null && IdentityConflicts.NamOf(mergedCurrent) is { } mergedNam
            && IdentityConflicts.NamOf(survivor) is { } survivorNam && mergedNam != survivorNam)
            return DeliveryResult.Permanent($"207: merge refused: the merged patient's NAM differs from the survivor's (two NAMs are never joined)");

        AddIdentifiers(survivor, named.Identifier);
        var links = (survivor.Link ?? []).Where(l => !(l.Type == AdtBundleBuilder.LinkReplaces && l.Other?.ReferenceValue == mergedEntry.FullUrl)).ToList();
        if (mergedCurrent is null)
        {
            if (notFound && logger is not null) Log.MergedNotFound(logger, string.Join(", ", (named.Identifier ?? []).Select(i => i.System)));
            // Nothing to retire: drop the entry and every reference to it (the Provenance names it as a target).
            bundle.Entry!.Remove(mergedEntry);
            foreach (var provenance in bundle.Entry.Select(e => e.Resource).OfType<Provenance>())
                provenance.Target = provenance.Target?.Where(t => t.ReferenceValue != mergedEntry.FullUrl).ToList();
            survivor.Link = links.Count == 0 ? null : links;
            return null;
        }

        AddIdentifiers(survivor, mergedCurrent.Identifier);
        if (!links.Any(l => l.Type == AdtBundleBuilder.LinkReplaces && l.Other?.ReferenceValue == $"Patient/{mergedCurrent.Id}"))
            links.Add(new PatientLink { Type = AdtBundleBuilder.LinkReplaces, Other = new Reference { ReferenceValue = $"Patient/{mergedCurrent.Id}" } });
        survivor.Link = links;

        var retired = FhirJson.DeepCopy(mergedCurrent);
        retired.Active = false;
        retired.Link = [new PatientLink
        {
            Type = AdtBundleBuilder.LinkReplacedBy,
            Other = new Reference { ReferenceValue = survivorCurrent is null ? survivorEntry.FullUrl : $"Patient/{survivorCurrent.Id}" },
        }];
        var kept = (retired.Identifier ?? []).Where(i => !IsIdentityKey(i)).ToList();
        retired.Identifier = kept.Count == 0 ? null : kept;
        mergedEntry.Resource = retired;
        mergedEntry.Request!.Url = $"Patient/{mergedCurrent.Id}";
        mergedEntry.Request.IfMatch = $"W/\"{mergedCurrent.Meta?.VersionId}\"";
        return null;
    }

    /// <summary>
    /// Points a MedicationRequest or Procedure entry at the stored resource holding any of its business identifiers:
    /// <c>PUT Type/{id}</c> with If-Match, identifiers of both kept. A resource of another patient is never taken
    /// over (permanent, for an operator), unless that patient was merged into this one (A40).
    /// </summary>
    private async Task<DeliveryResult?> UpdateExistingAsync(BundleEntry entry, Dictionary<string, string> storedPatients, CancellationToken cancellationToken)
    {
        var incoming = (DomainResource)entry.Resource!;
        var type = incoming.ResourceTypeName;
        var keys = Identifiers(incoming).Where(i => i.System is not null && i.Value is not null).ToList();
        DomainResource? current = null;
        foreach (var key in keys)
        {
            var found = await store.SearchAsync(type, [KeyValuePair.Create("identifier", $"{key.System}|{key.Value}")], cancellationToken);
            if (found.OfType<DomainResource>().FirstOrDefault() is { } match)
            {
                current = match;
                break;
            }
        }
        if (current is null) return null; // the conditional update creates it

        var subject = SubjectOf(incoming);
        var currentSubject = SubjectOf(current);
        var expected = subject is not null && storedPatients.TryGetValue(subject, out var stored) ? stored : null;
        if (currentSubject is not null && currentSubject != expected && !await WasMergedIntoAsync(currentSubject, expected, cancellationToken))
            return DeliveryResult.Permanent($"207: {type} {string.Join(", ", keys.Select(k => k.System))} already belongs to another patient");

        var identifiers = new List<Identifier>(Identifiers(incoming));
        foreach (var identifier in Identifiers(current))
        {
            if (!identifiers.Any(i => i.System == identifier.System && i.Value == identifier.Value)) identifiers.Add(identifier);
        }
        switch (incoming)
        {
            case MedicationRequest request:
                request.Identifier = identifiers;
                // The order was written once: later transactions (ORC-9 is their own time) do not move authoredOn.
                request.AuthoredOn = ((MedicationRequest)current).AuthoredOn ?? request.AuthoredOn;
                break;
            case Procedure procedure:
                procedure.Identifier = identifiers;
                break;
        }
        incoming.Id = current.Id;
        entry.Request!.Url = $"{type}/{current.Id}";
        entry.Request.IfMatch = $"W/\"{current.Meta?.VersionId}\"";
        return null;
    }

    private static List<Identifier> Identifiers(DomainResource resource) => resource switch
    {
        MedicationRequest r => r.Identifier ?? [],
        Procedure p => p.Identifier ?? [],
        _ => [],
    };

    private static string? SubjectOf(DomainResource resource) => resource switch
    {
        MedicationRequest r => r.Subject?.ReferenceValue,
        Procedure p => p.Subject?.ReferenceValue,
        _ => null,
    };

    /// <summary>True when <paramref name="patientReference"/> was retired by a merge into <paramref name="survivor"/>.</summary>
    private async Task<bool> WasMergedIntoAsync(string patientReference, string? survivor, CancellationToken cancellationToken)
    {
        if (survivor is null || !patientReference.StartsWith("Patient/", StringComparison.Ordinal)) return false;
        var found = await store.SearchAsync("Patient", [KeyValuePair.Create("_id", patientReference["Patient/".Length..])], cancellationToken);
        return found.OfType<Patient>().FirstOrDefault() is { } patient
            && (patient.Link ?? []).Any(l => l.Type == AdtBundleBuilder.LinkReplacedBy && l.Other?.ReferenceValue == survivor);
    }

    private static void AddIdentifiers(Patient patient, IEnumerable<Identifier>? more)
    {
        var identifiers = new List<Identifier>(patient.Identifier ?? []);
        foreach (var identifier in more ?? [])
        {
            if (!identifiers.Any(i => i.System == identifier.System && i.Value == identifier.Value)) identifiers.Add(identifier);
        }
        patient.Identifier = identifiers;
    }

    private static bool IsIdentityKey(Identifier i) =>
        i.System == QuebecHealthNumber.System || i.System?.StartsWith("urn:dsn:mrn:", StringComparison.Ordinal) == true;

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

    /// <summary>
    /// The person as the store will hold them: every identifier ever received, the newest demographics. A Patient
    /// without a source time is not a demographic snapshot (the PID of an order or a charge: ADR 0008): it only adds
    /// identifiers, whatever the stored Patient holds. A newer snapshot holding what the stored Patient holds keeps
    /// the stored source time too, so the store writes no version (no change, no version); its time is remembered
    /// apart and given back as <paramref name="latestSeen"/>, so an older snapshot arriving later still loses.
    /// </summary>
    /// <param name="latestSeen">The newest source time of the snapshots delivered for this Patient, when remembered.</param>
    public static Patient Merge(Patient current, Patient incoming, DateTimeOffset? latestSeen = null)
    {
        var held = SourceTime(current);
        if (latestSeen is { } seen && seen > held) held = seen;
        var incomingIsNewer = HasSourceTime(incoming) && SourceTime(incoming) >= held;
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
        if (incomingIsNewer && Demographics(merged) == Demographics(current)) merged.Extension = current.Extension;
        return merged;
    }

    /// <summary>The Patient as JSON without meta and without the source-time extension: what a version would change.</summary>
    private static string Demographics(Patient patient)
    {
        var copy = FhirJson.DeepCopy(patient);
        copy.Meta = null;
        var extensions = (copy.Extension ?? []).Where(e => e.Url != SourceTimeExtension).ToList();
        copy.Extension = extensions.Count == 0 ? null : extensions;
        return FhirJson.Serialize(copy);
    }

    private static bool HasSourceTime(Patient patient) => patient.Extension?.Any(e => e.Url == SourceTimeExtension) == true;

    private static DateTimeOffset SourceTime(Patient patient) =>
        patient.Extension?.FirstOrDefault(e => e.Url == SourceTimeExtension)?.ValueDateTime is { } text
        && Fhir.Primitives.FhirDateTime.TryParse(text, out var time)
            ? time.Start
            : DateTimeOffset.MinValue;

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "ADT A40: the merged patient ({Systems}) is not in the record store; only the survivor is written, with the merged identifiers")]
        public static partial void MergedNotFound(ILogger logger, string systems);
    }
}
