using System.Net;
using DsnGateway.Fhir.Primitives;
using DsnGateway.Fhir.Serialization;
using DsnGateway.Mapping.Bundles;
using DsnGateway.Mapping.Identity;
using DsnGateway.Proxy;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;

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
internal sealed partial class RecordStoreDelivery(
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
            // fullUrl of each Patient entry -> the stored patient it updates (absent when it creates one).
            var storedPatients = new Dictionary<string, string>(StringComparer.Ordinal);
            // Stored patient id -> the source time of a newer snapshot that changed nothing, remembered once delivered.
            var snapshots = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
            if (bundle.Entry.Any(e => e.Resource is Patient p && e.Request?.Method == Bundle.HTTPVerb.PUT && AdtBundleBuilder.IsMergedRecord(p)))
            {
                if (await ApplyMergesAsync(bundle, storedPatients, cancellationToken) is { } refused) return refused;
            }
            else
            {
                foreach (var entry in bundle.Entry.Where(e => e.Resource is Patient && e.Request?.Method == Bundle.HTTPVerb.PUT))
                {
                    var incoming = (Patient)entry.Resource!;
                    // Checked again here: the intake could not, if the store was down when the message arrived.
                    if (await conflicts.FindOrThrowAsync(incoming, cancellationToken) is { } conflict)
                        return DeliveryResult.Permanent($"207: {conflict}");
                    var current = await FindCurrentAsync(incoming, cancellationToken);
                    if (current is null) continue; // the conditional PUT creates the patient
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
            }
            foreach (var entry in bundle.Entry.Where(e => e.Resource is MedicationRequest or Procedure && e.Request?.Method == Bundle.HTTPVerb.PUT))
            {
                if (await UpdateExistingAsync(entry, storedPatients, cancellationToken) is { } orderRefused) return orderRefused;
            }

            using var response = await store.SendAsync(HttpMethod.Post, "", FhirJson.Serialize(bundle), null, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            // 412: the patient changed between our read and our write; read again and retry.
            var result = response.StatusCode == HttpStatusCode.PreconditionFailed
                ? DeliveryResult.Transient("the patient changed during delivery")
                : DeliveryResult.FromStatusCode((int)response.StatusCode, body.Length > 500 ? body[..500] : body);
            // "Applied" only when the store says so in a transaction-response Bundle: an answer cut short or unreadable
            // says nothing (the transaction may or may not be applied), so the message is delivered again, which
            // applies once (no change, no version), rather than marked delivered and perhaps lost.
            if (result.Outcome == DeliveryOutcome.Delivered && !IsTransactionResponse(body))
                return DeliveryResult.Transient($"the record store answered HTTP {(int)response.StatusCode} without a readable transaction-response Bundle");
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

    private static bool IsTransactionResponse(string body)
    {
        try
        {
            return FhirJson.Parse<Bundle>(body).Type == Bundle.BundleType.TransactionResponse;
        }
        catch (Exception ex) when (ex is FhirParseException or System.Text.Json.JsonException)
        {
            return false;
        }
    }

    /// <summary>
    /// A40, every PID/MRG pair in the Bundle's order, all in this one transaction (FHIR's Patient merge): the record
    /// merged away keeps its identifiers, becomes <c>active=false</c> and links <c>replaced-by</c> its survivor; the
    /// survivor links <c>replaces</c> it and carries its identifiers with <c>use: old</c>, so a search by the old MRN
    /// finds both and identity resolution (which skips retired records) lands on the survivor. The pairs are folded
    /// over working copies, so a later pair sees what an earlier one did (A into B, then B into C; or B absorbing two
    /// records): each stored patient is written once, with If-Match. A merged record the store does not hold is not an
    /// error (most ADT feeds send merges of records never seen here): the survivor takes the MRG identifiers (use: old),
    /// and a warning is logged. Two different NAMs are never joined: the whole message is refused (207, permanent, so
    /// it goes to the dead letters for an operator) and nothing of it is applied.
    /// </summary>
    private async Task<DeliveryResult?> ApplyMergesAsync(Bundle bundle, Dictionary<string, string> storedPatients, CancellationToken cancellationToken)
    {
        var entries = bundle.Entry;
        var patientEntries = entries.Where(e => e.Resource is Patient && e.Request?.Method == Bundle.HTTPVerb.PUT).ToList();
        var people = new List<WorkingPatient>();
        // fullUrl of each Patient entry -> the working patient it became (absent: a merged record never seen).
        var became = new Dictionary<string, WorkingPatient>(StringComparer.Ordinal);
        // fullUrl of a merged entry -> the stored record an earlier delivery of this merge already retired.
        var alreadyMerged = new Dictionary<string, string>(StringComparer.Ordinal);
        var group = 0;
        foreach (var entry in patientEntries)
        {
            var named = (Patient)entry.Resource!;
            if (!AdtBundleBuilder.IsMergedRecord(named))
            {
                if (await conflicts.FindOrThrowAsync(named, cancellationToken) is { } conflict)
                    return DeliveryResult.Permanent($"207: {conflict}");
                var incoming = FhirJson.DeepCopy(named);
                incoming.Link = []; // the links are the merge's to set, below
                var found = await FindWorkingAsync(people, incoming, entry.FullUrl!, cancellationToken);
                if (found is null)
                {
                    found = new WorkingPatient(incoming, entry.FullUrl!, null, null) { CreatedBy = entry };
                    people.Add(found);
                }
                else
                {
                    found.Resource = Merge(found.Resource, incoming);
                }
                became[entry.FullUrl!] = found;
                continue;
            }

            group++;
            var survivorUrl = named.Link.First(l => l.Type == Patient.LinkType.ReplacedBy).Other!.Reference!;
            var survivor = Survivor(became[survivorUrl], people);
            var retired = await FindWorkingAsync(people, named, entry.FullUrl!, cancellationToken);
            if (retired is null)
            {
                if (logger is not null) Log.MergedNotFound(logger, string.Join(", ", named.Identifier.Select(i => i.System)));
                AddOldIdentifiers(survivor.Resource, named.Identifier);
                continue;
            }
            became[entry.FullUrl!] = retired;
            if (retired == survivor)
            {
                // Already merged (a redelivery or a replay), or MRG names the survivor itself. A redelivery's Provenance
                // must name the record merged away as the first delivery's did, or the store writes it a second version.
                if (await FindMergedIntoAsync(named, survivor.Reference, cancellationToken) is { } mergedAway) alreadyMerged[entry.FullUrl!] = mergedAway;
                continue;
            }
            if (IdentityConflicts.NamOf(retired.Resource) is { } retiredNam && IdentityConflicts.NamOf(survivor.Resource) is { } survivorNam && retiredNam != survivorNam)
                return DeliveryResult.Permanent($"207: group {group}: merge refused: the merged patient's NAM differs from the survivor's (two NAMs are never joined); nothing of this message was applied");

            AddOldIdentifiers(survivor.Resource, retired.Resource.Identifier);
            survivor.Resource.Link = [.. survivor.Resource.Link.Where(l => l.Other?.Reference != retired.Reference),
                new Patient.LinkComponent { Type = Patient.LinkType.Replaces, Other = new ResourceReference(retired.Reference) }];
            retired.Resource.Active = false;
            retired.Resource.Link = [.. retired.Resource.Link.Where(l => l.Type != Patient.LinkType.ReplacedBy),
                new Patient.LinkComponent { Type = Patient.LinkType.ReplacedBy, Other = new ResourceReference(survivor.Reference) }];
        }

        // The Patient entries, one per person written, where the first of them stood.
        var at = entries.IndexOf(patientEntries[0]);
        entries.RemoveAll(e => patientEntries.Contains(e));
        entries.InsertRange(at, people.Select(p => p.ToEntry()));
        string? Redirect(string? reference) =>
            reference is not null && became.TryGetValue(reference, out var person) ? person.FullUrl : reference;
        foreach (var resource in entries.Select(e => e.Resource))
        {
            switch (resource)
            {
                case Provenance provenance:
                    // A merged record never seen is written nowhere: the Provenance names what was written.
                    provenance.Target = provenance.Target
                        .Where(t => t.Reference is null || became.ContainsKey(t.Reference) || !patientEntries.Any(e => e.FullUrl == t.Reference))
                        .Select(t => new ResourceReference { Reference = t.Reference is not null && alreadyMerged.TryGetValue(t.Reference, out var merged) ? merged : Redirect(t.Reference) })
                        .DistinctBy(t => t.Reference).ToList();
                    break;
                case MedicationRequest request when request.Subject is not null:
                    request.Subject.Reference = Redirect(request.Subject.Reference);
                    break;
                case Procedure procedure when procedure.Subject is not null:
                    procedure.Subject.Reference = Redirect(procedure.Subject.Reference);
                    break;
            }
        }
        foreach (var person in people.Where(p => p.StoredId is not null))
            storedPatients[person.FullUrl] = person.Reference;
        return null;
    }

    /// <summary>
    /// The person a merge pair names: one this transaction already writes (by any NAM or MRN it holds, retired ones
    /// followed to their survivor), else the store's (retired records skipped), taken into the working set.
    /// </summary>
    /// <param name="fullUrl">The fullUrl of the entry naming it: the one its entry takes when it comes from the store.</param>
    private async Task<WorkingPatient?> FindWorkingAsync(List<WorkingPatient> people, Patient named, string fullUrl, CancellationToken cancellationToken)
    {
        var keys = IdentityKeysOf(named).ToList();
        if (people.FirstOrDefault(p => IdentityKeysOf(p.Resource).Any(k => keys.Contains(k))) is { } local) return Survivor(local, people);
        var current = await FindCurrentAsync(named, cancellationToken);
        if (current is null) return null;
        if (people.FirstOrDefault(p => p.StoredId == current.Id) is { } taken) return Survivor(taken, people);
        var person = new WorkingPatient(FhirJson.DeepCopy(current), fullUrl, current.Id, current.Meta?.VersionId);
        people.Add(person);
        return person;
    }

    /// <summary>The stored record holding one of <paramref name="named"/>'s NAMs or MRNs that is retired into <paramref name="survivor"/>.</summary>
    private async Task<string?> FindMergedIntoAsync(Patient named, string survivor, CancellationToken cancellationToken)
    {
        foreach (var key in IdentityKeysOf(named))
        {
            var found = await store.SearchAsync("Patient", [KeyValuePair.Create("identifier", key)], cancellationToken);
            if (found.OfType<Patient>().FirstOrDefault(p => IsRetiredInto(p, survivor)) is { } retired)
                return $"Patient/{retired.Id}";
        }
        return null;
    }

    /// <summary>A retired working copy stands for the survivor its replaced-by link names (within this transaction).</summary>
    private static WorkingPatient Survivor(WorkingPatient person, List<WorkingPatient> people)
    {
        for (var hops = 0; hops < people.Count && AdtBundleBuilder.IsMergedRecord(person.Resource); hops++)
        {
            var next = person.Resource.Link.First(l => l.Type == Patient.LinkType.ReplacedBy).Other?.Reference;
            if (people.FirstOrDefault(p => p.Reference == next) is not { } survivor) break;
            person = survivor;
        }
        return person;
    }

    /// <summary>A patient as this merge transaction will write it.</summary>
    private sealed class WorkingPatient(Patient resource, string fullUrl, string? storedId, string? versionId)
    {
        public Patient Resource { get; set; } = resource;
        public string FullUrl { get; } = fullUrl;
        public string? StoredId { get; } = storedId;
        public string? VersionId { get; } = versionId;

        /// <summary>The entry that creates this patient (its conditional PUT), when the store does not hold it yet.</summary>
        public Bundle.EntryComponent? CreatedBy { get; init; }

        /// <summary>How other entries of the transaction point at it.</summary>
        public string Reference => StoredId is null ? FullUrl : $"Patient/{StoredId}";

        public Bundle.EntryComponent ToEntry()
        {
            if (StoredId is null)
            {
                CreatedBy!.Resource = Resource;
                return CreatedBy;
            }
            Resource.Id = StoredId;
            return new Bundle.EntryComponent
            {
                FullUrl = FullUrl,
                Resource = Resource,
                Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.PUT, Url = $"Patient/{StoredId}", IfMatch = $"W/\"{VersionId}\"" },
            };
        }
    }

    /// <summary>The retired record's identifiers on its survivor, as FHIR's merge says: <c>use: old</c> (those it already holds are left as they are).</summary>
    private static void AddOldIdentifiers(Patient survivor, IEnumerable<Identifier>? retired)
    {
        var identifiers = new List<Identifier>(survivor.Identifier);
        foreach (var identifier in retired ?? [])
        {
            if (identifiers.Any(i => i.System == identifier.System && i.Value == identifier.Value)) continue;
            identifiers.Add(new Identifier
            {
                Use = Identifier.IdentifierUse.Old,
                Type = identifier.Type,
                System = identifier.System,
                Value = identifier.Value,
                Period = identifier.Period,
                Assigner = identifier.Assigner,
            });
        }
        survivor.Identifier = identifiers;
    }

    private static IEnumerable<string> IdentityKeysOf(Patient patient) =>
        patient.Identifier.Where(i => i.Value is not null && IsIdentityKey(i)).Select(i => $"{i.System}|{i.Value}");

    /// <summary>
    /// Points a MedicationRequest or Procedure entry at the stored resource holding any of its business identifiers:
    /// <c>PUT Type/{id}</c> with If-Match, identifiers of both kept. A resource of another patient is never taken
    /// over (permanent, for an operator), unless that patient was merged into this one (A40).
    /// </summary>
    private async Task<DeliveryResult?> UpdateExistingAsync(Bundle.EntryComponent entry, Dictionary<string, string> storedPatients, CancellationToken cancellationToken)
    {
        var incoming = (DomainResource)entry.Resource!;
        var type = incoming.TypeName;
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
                request.AuthoredOnElement = ((MedicationRequest)current).AuthoredOnElement ?? request.AuthoredOnElement;
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
        MedicationRequest r => r.Identifier,
        Procedure p => p.Identifier,
        _ => [],
    };

    private static string? SubjectOf(DomainResource resource) => resource switch
    {
        MedicationRequest r => r.Subject?.Reference,
        Procedure p => p.Subject?.Reference,
        _ => null,
    };

    /// <summary>True when <paramref name="patientReference"/> was retired by a merge into <paramref name="survivor"/>.</summary>
    private async Task<bool> WasMergedIntoAsync(string patientReference, string? survivor, CancellationToken cancellationToken)
    {
        return survivor is not null && await ReadPatientAsync(patientReference, cancellationToken) is { } patient && IsRetiredInto(patient, survivor);
    }

    /// <summary>A stored Patient by its literal reference (<c>Patient/{id}</c>); null for any other reference or none stored.</summary>
    private async Task<Patient?> ReadPatientAsync(string? reference, CancellationToken cancellationToken)
    {
        if (reference is null || !reference.StartsWith("Patient/", StringComparison.Ordinal)) return null;
        var found = await store.SearchAsync("Patient", [KeyValuePair.Create("_id", reference["Patient/".Length..])], cancellationToken);
        return found.OfType<Patient>().FirstOrDefault();
    }

    /// <summary>True for a record a merge retired into <paramref name="survivor"/> (a <c>Patient/{id}</c> reference).</summary>
    private static bool IsRetiredInto(Patient patient, string survivor) =>
        AdtBundleBuilder.IsMergedRecord(patient) && patient.Link.Any(l => l.Type == Patient.LinkType.ReplacedBy && l.Other?.Reference == survivor);

    private static bool IsIdentityKey(Identifier i) =>
        i.System == QuebecHealthNumber.System || i.System?.StartsWith("urn:dsn:mrn:", StringComparison.Ordinal) == true;

    /// <summary>
    /// The stored person a Patient names, by NAM first, else by any of its MRNs. A retired record (A40) is never the
    /// answer: its survivor carries its identifiers (use: old) and is found by the same search; should only retired
    /// records hold the identifier, their replaced-by link is followed, so nothing ever updates a retired record.
    /// </summary>
    private async Task<Patient?> FindCurrentAsync(Patient incoming, CancellationToken cancellationToken)
    {
        var keys = incoming.Identifier
            .Where(i => i.Value is not null && IsIdentityKey(i))
            .OrderBy(i => i.System == QuebecHealthNumber.System ? 0 : 1);
        foreach (var key in keys)
        {
            var found = (await store.SearchAsync("Patient", [KeyValuePair.Create("identifier", $"{key.System}|{key.Value}")], cancellationToken)).OfType<Patient>().ToList();
            if (found.FirstOrDefault(p => !AdtBundleBuilder.IsMergedRecord(p)) is { } patient) return patient;
            if (found.Count > 0 && await SurvivorOfAsync(found[0], cancellationToken) is { } survivor) return survivor;
        }
        return null;
    }

    /// <summary>The record a retired one was merged into, followed through later merges (bounded), if it exists.</summary>
    private async Task<Patient?> SurvivorOfAsync(Patient retired, CancellationToken cancellationToken)
    {
        var patient = retired;
        for (var hops = 0; hops < 8 && AdtBundleBuilder.IsMergedRecord(patient); hops++)
        {
            var next = patient.Link.First(l => l.Type == Patient.LinkType.ReplacedBy).Other?.Reference;
            if (await ReadPatientAsync(next, cancellationToken) is not { } linked) return null;
            patient = linked;
        }
        return AdtBundleBuilder.IsMergedRecord(patient) ? null : patient;
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
        var identifiers = new List<Identifier>(current.Identifier);
        foreach (var identifier in incoming.Identifier)
        {
            if (!identifiers.Any(i => i.System == identifier.System && i.Value == identifier.Value)) identifiers.Add(identifier);
        }
        merged.Identifier = identifiers;
        // A merge (A40) marks the losing record; a later demographic message must not reactivate or unlink it.
        merged.Active = current.Active == false ? false : merged.Active;
        merged.Link = current.Link.Count > 0 ? [.. current.Link] : merged.Link;
        if (incomingIsNewer && Demographics(merged) == Demographics(current)) merged.Extension = [.. current.Extension];
        return merged;
    }

    /// <summary>The Patient as JSON without meta and without the source-time extension: what a version would change.</summary>
    private static string Demographics(Patient patient)
    {
        var copy = FhirJson.DeepCopy(patient);
        copy.Meta = null;
        copy.Extension = copy.Extension.Where(e => e.Url != SourceTimeExtension).ToList();
        return FhirJson.Serialize(copy);
    }

    /// <summary>The extension <see cref="SourceTimeExtension"/> for a Patient whose demographics are of <paramref name="time"/> (UTC, milliseconds).</summary>
    public static Extension SourceTimeOf(DateTimeOffset time) => new(SourceTimeExtension, new FhirDateTime(PartialDateTime.FormatInstant(time)));

    private static bool HasSourceTime(Patient patient) => patient.Extension.Any(e => e.Url == SourceTimeExtension);

    private static DateTimeOffset SourceTime(Patient patient) =>
        patient.Extension.FirstOrDefault(e => e.Url == SourceTimeExtension)?.Value is FhirDateTime { Value: { } text }
        && PartialDateTime.TryParse(text, out var time)
            ? time.Start
            : DateTimeOffset.MinValue;

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "ADT A40: the merged patient ({Systems}) is not in the record store; only the survivor is written, with the merged identifiers")]
        public static partial void MergedNotFound(ILogger logger, string systems);
    }
}
