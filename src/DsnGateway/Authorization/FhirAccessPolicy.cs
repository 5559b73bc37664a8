using DsnGateway.Authentication;
using DsnGateway.SmartScopes;
using DsnGateway.Fhir.Serialization;
using DsnGateway.Mapping.Establishments;
using DsnGateway.Proxy;
using DsnGateway.RecordStore.Search;
using Microsoft.Extensions.Options;

namespace DsnGateway.Authorization;

/// <summary>
/// Decides every FHIR request: role, SMART scope (with its qualifiers), care relationship, restricted
/// patients and break-the-glass. What it allows leaves with the parameters the store must add to the query;
/// what it refuses leaves with the status and the reason (naming the scope needed).
/// </summary>
internal sealed class FhirAccessPolicy
{
    private readonly RecordStoreClient _store;
    private readonly IOptionsMonitor<AccessOptions> _options;
    private readonly VisibilityCache _visibility;
    private readonly ConditionalCriteria _conditions;

    public FhirAccessPolicy(RecordStoreClient store, IOptionsMonitor<AccessOptions> options, VisibilityCache visibility, SenderRegistry senders)
    {
        _store = store;
        _options = options;
        _visibility = visibility;
        _conditions = new ConditionalCriteria(senders.Establishments);
    }

    public async Task<AccessDecision> DecideAsync(CallerIdentity caller, FhirRequest request, string? breakGlassReason, Func<CancellationToken, Task<byte[]>> readBody, CancellationToken cancellationToken)
    {
        var type = request.ResourceType;
        var targetPatient = type == "Patient" && request.Id is not null ? new[] { "Patient/" + request.Id } : [];

        // Roles first: what each kind of caller may touch at all.
        if (type == "AuditEvent")
        {
            if (caller.Role != CallerIdentity.PrivacyOfficer)
                return AccessDecision.Deny(403, "Only privacy officers read the access audit.");
            return Scope(caller, request, [SmartContext.User]) is { IsAllowed: false } denied
                ? AccessDecision.Deny(403, $"This needs the scope {denied.RequiredScope}.")
                : AccessDecision.Allow([], []);
        }
        switch (caller.Role)
        {
            case CallerIdentity.PrivacyOfficer:
                return AccessDecision.Deny(403, "Privacy officers read the access audit, nothing clinical.", targetPatient);
            case CallerIdentity.Admin:
                return AccessDecision.Deny(403, "Administrators run the operations under /admin and read nothing clinical.", targetPatient);
            case CallerIdentity.System when !_options.CurrentValue.SystemMayUseFhirApi:
                return AccessDecision.Deny(403, "System senders write through ingestion; this deployment does not let them use the FHIR API.", targetPatient);
        }
        if (request.Interaction == FhirRequest.Transaction)
            return AccessDecision.Deny(403, "Transaction and batch Bundles are accepted from system senders through ingestion only.");
        // Fail closed: what is not recognised as an interaction is not passed on, since the store might route it
        // as one (its routing is not ours) without the checks that interaction needs.
        if (type is null || request.Interaction == FhirRequest.Unknown)
            return AccessDecision.Deny(405, "This request is not a FHIR interaction the gateway offers (read, vread, history, search, create, update, delete, Patient/{id}/$everything).");
        if (!CareRelationshipPolicy.PatientLink.ContainsKey(type) && !CareRelationshipPolicy.ReferenceData.Contains(type))
            return AccessDecision.Deny(403, $"{type} is not offered to {caller.Role}s through the gateway.");

        // SMART scopes, confined to the token's patient for patient/ grants.
        var contexts = caller.Role == CallerIdentity.System ? new[] { SmartContext.System } : [SmartContext.User, SmartContext.Patient];
        var scope = Scope(caller, request, contexts);
        if (!scope.IsAllowed) return AccessDecision.Deny(403, $"This needs the scope {scope.RequiredScope}.", targetPatient);
        if (scope.ConstraintAlternatives.Count > 1)
            return AccessDecision.Deny(403, "Several qualified scopes grant this request; the gateway applies one qualified scope per resource type.", targetPatient);
        var constraints = scope.ConstraintAlternatives.Count == 1 ? scope.ConstraintAlternatives[0] : [];
        var patientContext = scope.Context == SmartContext.Patient ? caller.Patient : null;

        var breakGlass = breakGlassReason is not null;
        var restrictions = CareRelationshipPolicy.Restrictions(caller, type, breakGlass, patientContext);
        var added = restrictions.Concat(constraints).ToList();

        foreach (var include in request.Query.Where(p => p.Key is "_include" or "_revinclude"))
        {
            var parts = include.Value.Split(':');
            if (parts.Length < 2) continue; // not an include the store can run: it answers 400
            var reverse = include.Key == "_revinclude";
            // What the include adds: the source type of a _revinclude; the named target of an _include, else every
            // type its parameter may point at (MedicationRequest:subject adds Patients, named or not).
            IReadOnlyList<string> includedTypes = reverse ? [parts[0]]
                : parts.Length > 2 ? [parts[2]]
                : SearchParameterRegistry.Default.Find(parts[0], parts[1])?.Targets.Where(SearchParameterRegistry.Default.Supports).ToList() ?? [];
            foreach (var includedType in includedTypes)
            {
                if (!SmartScope.IsResourceTypeName(includedType))
                    return AccessDecision.Deny(403, $"{include.Key}={include.Value} names no resource type.");
                // What is not offered by itself (Provenance, say) is not offered as an include either.
                if (!CareRelationshipPolicy.PatientLink.ContainsKey(includedType) && !CareRelationshipPolicy.ReferenceData.Contains(includedType))
                    return AccessDecision.Deny(403, $"{include.Key}={include.Value} would add {includedType}, which is not offered through the gateway.");
                if (!caller.Scopes.Evaluate(contexts, includedType, SmartInteraction.Read).IsAllowed)
                    return AccessDecision.Deny(403, $"{include.Key}={include.Value} needs the scope {SmartScopeSet.RequiredScopeFor(contexts[0], includedType, SmartInteraction.Read)}.");
                // Included resources are not confined by the query: only a join of a record to its own patient
                // keeps them within what the confined matches already show.
                if (restrictions.Count > 0 && CareRelationshipPolicy.PatientLink.ContainsKey(includedType) && !CareRelationshipPolicy.JoinsOwnPatient(parts[0], parts[1]))
                    return AccessDecision.Deny(403, $"{include.Key}={include.Value} could add records outside your care relationship; only includes between a record and its own patient are offered.");
            }
        }

        switch (request.Interaction)
        {
            case FhirRequest.Search:
                return AccessDecision.Allow(added, []);
            case FhirRequest.Read or FhirRequest.VRead or FhirRequest.History or FhirRequest.Operation:
                return await VisibleAsync(type, request.Id!, added, cancellationToken)
                    ? AccessDecision.Allow([], targetPatient)
                    : Refused(type, targetPatient, breakGlass);
            case FhirRequest.Delete:
                // A delete answers no body to find the patient in: the audit names the one the record is stored under.
                return await VisibleAsync(type, request.Id!, added, cancellationToken)
                    ? AccessDecision.Allow([], [.. targetPatient, .. await StoredSubjectAsync(type, request.Id!, cancellationToken)])
                    : Refused(type, targetPatient, breakGlass);
            case FhirRequest.Create or FhirRequest.Update:
                if (constraints.Count > 0)
                    return AccessDecision.Deny(403, "A qualified scope grants reads and searches only; writing needs an unqualified scope.", targetPatient);
                if (request.Id is not null && !await VisibleAsync(type, request.Id, added, cancellationToken))
                    return Refused(type, targetPatient, breakGlass);
                // A condition is checked for its form before anything is evaluated, then evaluated among what the caller
                // may see only (the store gets it with the restrictions added): no answer depends on a record the caller
                // may not see, and a match is a record the caller could read or write by id anyway (docs/arch/0020).
                var condition = ConditionalCriteria.Of(request);
                if (condition is not null && _conditions.Refusal(caller, type, breakGlass, condition) is { } refusal)
                    return AccessDecision.Deny(400, refusal);
                IReadOnlyList<KeyValuePair<string, string>>? confined = condition is null ? null : [.. condition, .. added];
                var written = await BodyStaysInRelationshipAsync(caller, request, await readBody(cancellationToken), breakGlass, patientContext, confined, cancellationToken);
                if (confined is not null)
                    return written.IsAllowed ? AccessDecision.Allow(added, written.Patients) : written;
                // An update that moves an order to another patient touches both: the audit names the one it leaves too.
                return written.IsAllowed && request.Id is not null && type != "Patient"
                    ? AccessDecision.Allow(written.AddedParameters, [.. written.Patients, .. await StoredSubjectAsync(type, request.Id, cancellationToken)])
                    : written;
            default:
                return AccessDecision.Deny(403, $"The interaction {request.Interaction} is not offered through the gateway.");
        }
    }

    private static ScopeDecision Scope(CallerIdentity caller, FhirRequest request, IReadOnlyList<SmartContext> contexts)
    {
        var interaction = request.Interaction switch
        {
            FhirRequest.Search => SmartInteraction.Search,
            FhirRequest.Create => SmartInteraction.Create,
            FhirRequest.Update => SmartInteraction.Update,
            FhirRequest.Delete => SmartInteraction.Delete,
            _ => SmartInteraction.Read,
        };
        return caller.Scopes.Evaluate(contexts, request.ResourceType ?? "*", interaction, request.Query);
    }

    /// <summary>Whether the caller's restrictions let the resource through (or it has none to pass).</summary>
    private Task<bool> VisibleAsync(string type, string id, IReadOnlyList<KeyValuePair<string, string>> added, CancellationToken cancellationToken) =>
        added.Count == 0 ? Task.FromResult(true) : _visibility.GetOrComputeAsync(type, id, added, () => CountVisibleAsync(type, id, added, cancellationToken));

    private async Task<bool> CountVisibleAsync(string type, string id, IReadOnlyList<KeyValuePair<string, string>> added, CancellationToken cancellationToken)
    {
        if (await _store.CountAsync(type, added.Prepend(KeyValuePair.Create("_id", id)), cancellationToken) > 0) return true;
        // Not visible: refuse only what exists, so a missing id stays an honest 404/410 from the store.
        return !await _store.ExistsAsync(type, id, cancellationToken);
    }

    private static AccessDecision Refused(string type, IReadOnlyList<string> patients, bool breakGlass) => AccessDecision.Deny(403,
        breakGlass
            ? $"This {type} is outside what the token's scope grants."
            : $"This {type} belongs to a patient outside your care relationship, or to a restricted patient. If care requires it, repeat the request with the header X-Break-Glass: <reason>; the access will be audited and reviewed.",
        patients);

    /// <summary>The patient an order or procedure is stored under ("Patient/id"), if it exists and names one.</summary>
    private async Task<IReadOnlyList<string>> StoredSubjectAsync(string type, string id, CancellationToken cancellationToken)
    {
        if (!CareRelationshipPolicy.PatientLink.TryGetValue(type, out var link) || link is null) return [];
        var stored = await _store.SearchAsync(type, [KeyValuePair.Create("_id", id)], cancellationToken);
        var subject = stored.FirstOrDefault() switch
        {
            Hl7.Fhir.Model.MedicationRequest order => order.Subject?.Reference,
            Hl7.Fhir.Model.Procedure procedure => procedure.Subject?.Reference,
            _ => null,
        };
        return subject is not null && subject.StartsWith("Patient/", StringComparison.Ordinal) ? [subject] : [];
    }

    private static bool CarriesRestriction(Hl7.Fhir.Model.Patient patient) =>
        patient.Meta?.Security.Any(l => CareRelationshipPolicy.IsRestrictionLabel(l.System, l.Code)) == true;

    /// <summary>
    /// Whether the Patient this write replaces is restricted (a create, or an update that creates, replaces none). A
    /// conditional update replaces what its condition matches among the records the caller may see (<paramref name="confined"/>).
    /// </summary>
    private async Task<bool> StoredRestrictedAsync(FhirRequest request, IReadOnlyList<KeyValuePair<string, string>>? confined, CancellationToken cancellationToken)
    {
        if (request.Interaction != FhirRequest.Update) return false;
        var target = request.Id is not null ? [KeyValuePair.Create("_id", request.Id)] : confined!;
        var restricted = KeyValuePair.Create("_security", $"{CareRelationshipPolicy.ConfidentialitySystem}|{CareRelationshipPolicy.Restricted}");
        return await _store.CountAsync("Patient", target.Append(restricted), cancellationToken) > 0;
    }

    /// <summary>
    /// A clinician writes only what they could read afterwards: a Patient with their MRN, an order about a patient they see.
    /// <paramref name="confined"/> is the condition of a conditional write with the caller's restrictions, else null.
    /// </summary>
    private async Task<AccessDecision> BodyStaysInRelationshipAsync(CallerIdentity caller, FhirRequest request, byte[] body, bool breakGlass, string? patientContext,
        IReadOnlyList<KeyValuePair<string, string>>? confined, CancellationToken cancellationToken)
    {
        var type = request.ResourceType!;
        Hl7.Fhir.Model.Resource resource;
        try
        {
            resource = FhirJson.Parse(body);
        }
        catch (FhirParseException)
        {
            // The store parses with the same strict rules and refuses it with its own 400 (every problem, with its
            // element path): nothing of an invalid body is ever written, so there is nothing to decide here.
            return AccessDecision.Allow([], []);
        }
        if (resource.TypeName != type)
            return AccessDecision.Deny(400, $"The body is a {resource.TypeName}, not a {type}.");
        // The store would check a conditional update's body id against every record (409 when another exists): here
        // it may only name the record the condition matches among those the caller may see, so nothing else shows.
        if (request.IsConditional && resource.Id is not null
            && await _store.CountAsync(type, confined!.Append(KeyValuePair.Create("_id", resource.Id)), cancellationToken) == 0)
            return AccessDecision.Deny(400, $"The body's id must be that of the {type} the condition matches; a conditional update that creates a record leaves the id out (or writes by id: PUT {type}/<id>).");
        if (resource is Hl7.Fhir.Model.Patient patient)
        {
            var mrn = CareRelationshipPolicy.MrnSystem(caller.Establishment ?? "");
            var hasMrn = patient.Identifier.Any(i => i.System == mrn);
            if (caller.Role == CallerIdentity.Clinician && !hasMrn && !breakGlass)
                return AccessDecision.Deny(403, $"A Patient written by a clinician of {caller.Establishment} must carry an identifier of {mrn}.");
            // The restriction is an administrator's decision: a write through /fhir (even with break-the-glass, which
            // opens a restricted record) must neither drop the label, opening the record to everyone, nor add it.
            if (CarriesRestriction(patient) != await StoredRestrictedAsync(request, confined, cancellationToken))
                return AccessDecision.Deny(403, "A patient's restriction (meta.security R) is changed by an administrator only, under /admin/patients/{id}/restricted; write the Patient with its label as stored.");
            return AccessDecision.Allow([], []);
        }
        if (!CareRelationshipPolicy.PatientLink.TryGetValue(type, out var link) || link is null) return AccessDecision.Allow([], []);
        var subject = resource switch
        {
            Hl7.Fhir.Model.MedicationRequest order => order.Subject?.Reference,
            Hl7.Fhir.Model.Procedure procedure => procedure.Subject?.Reference,
            _ => null,
        };
        if (subject is null || !subject.StartsWith("Patient/", StringComparison.Ordinal))
            return AccessDecision.Allow([], []); // the store validates the subject (422)
        var patientId = subject["Patient/".Length..];
        var restrictions = CareRelationshipPolicy.Restrictions(caller, "Patient", breakGlass, patientContext);
        return await VisibleAsync("Patient", patientId, restrictions, cancellationToken)
            ? AccessDecision.Allow([], [subject])
            : Refused("Patient", [subject], breakGlass);
    }
}
