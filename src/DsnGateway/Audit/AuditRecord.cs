namespace DsnGateway.Audit;

/// <summary>
/// What happened in one request, as the gateway saw it: who asked, what for, which patients it touched,
/// and how it ended. One record per request (never one per returned resource); it becomes one FHIR
/// AuditEvent following IHE BALP.
/// </summary>
public sealed record AuditRecord
{
    public required DateTimeOffset Recorded { get; init; }

    /// <summary>The request id (X-Request-Id) that ties the audit to the logs.</summary>
    public required string RequestId { get; init; }

    /// <summary>FHIR restful interaction (http://hl7.org/fhir/restful-interaction): read, vread, search-type,
    /// create, update, delete, history-instance, operation, transaction, batch, capabilities; or "login" for
    /// a request refused before any interaction could be named.</summary>
    public required string Interaction { get; init; }

    public string? ResourceType { get; init; }

    public string? ResourceId { get; init; }

    public required string HttpMethod { get; init; }

    /// <summary>The path (no query string).</summary>
    public required string Path { get; init; }

    /// <summary>The query string as received, for searches (kept in the audit store only, never in logs).</summary>
    public string? Query { get; init; }

    public required int HttpStatus { get; init; }

    /// <summary>Why a request failed or was refused, in words (no patient data).</summary>
    public string? OutcomeDescription { get; init; }

    public required AuditAgent Agent { get; init; }

    /// <summary>Every patient the request touched, as "Patient/{id}" (for searches: every patient in the results).</summary>
    public IReadOnlyList<string> Patients { get; init; } = [];

    /// <summary>Set when the caller invoked break-the-glass; the reason they gave.</summary>
    public string? BreakGlassReason { get; init; }

    /// <summary>
    /// The write intent this record completes (<see cref="IAuditTrail.RecordIntentAsync"/>): the intent is removed in
    /// the same transaction that stores this record.
    /// </summary>
    public string? IntentId { get; init; }

    /// <summary>
    /// Flagged for the privacy officers: a refused request (every 401 and 403) and every request made with a
    /// break-the-glass reason, whatever its outcome. Nothing else (a 400, 404, 405 or 503 is not an alert).
    /// </summary>
    public bool IsSecurityAlert => HttpStatus is 401 or 403 || BreakGlassReason is not null;
}

/// <summary>The caller, as far as it is known (nothing is for an unauthenticated request but the address).</summary>
public sealed record AuditAgent
{
    public string? Subject { get; init; }

    public string? FhirUser { get; init; }

    public string? ClientId { get; init; }

    public string? Establishment { get; init; }

    public string? Role { get; init; }

    public string? Scopes { get; init; }

    public string? NetworkAddress { get; init; }
}

/// <summary>The audit trail: a record is durable when <see cref="RecordAsync"/> completes.</summary>
public interface IAuditTrail
{
    /// <exception cref="AuditUnavailableException">the record could not be made durable; the caller must fail closed.</exception>
    Task RecordAsync(AuditRecord record, CancellationToken cancellationToken);

    /// <summary>
    /// Makes durable, before a write is forwarded, that it is about to happen (<paramref name="attempt"/> carries its
    /// <see cref="AuditRecord.IntentId"/>). The write's own record, naming the same intent, replaces it; if that record
    /// cannot be written when the write is done, it is written later, and an intent left by a stopped gateway becomes
    /// an AuditEvent of unknown outcome at the next start. So no write reaches the store without a durable trace.
    /// </summary>
    /// <exception cref="AuditUnavailableException">the intent could not be made durable; the write must not be forwarded.</exception>
    Task RecordIntentAsync(AuditRecord attempt, CancellationToken cancellationToken);
}

public sealed class AuditUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
