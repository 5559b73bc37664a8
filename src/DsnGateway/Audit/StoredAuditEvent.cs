namespace DsnGateway.Audit;

/// <summary>One row of the audit chain: the AuditEvent's canonical JSON and what the chain and search need.</summary>
internal sealed record StoredAuditEvent(
    long Seq,
    DateTimeOffset Recorded,
    string Json,
    string Outcome,
    string? Agent,
    bool Flagged,
    string Hash,
    string PreviousHash);
