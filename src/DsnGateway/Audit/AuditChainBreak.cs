namespace DsnGateway.Audit;

/// <summary>The first record where the audit chain does not hold, and why.</summary>
internal sealed record AuditChainBreak(long Seq, DateTimeOffset? Recorded, string Reason);
