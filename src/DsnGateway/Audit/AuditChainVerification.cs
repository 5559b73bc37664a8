namespace DsnGateway.Audit;

/// <summary>What <see cref="AuditChain.VerifyAsync"/> found: how many records hold, and the first that does not.</summary>
internal sealed record AuditChainVerification(long IntactRecords, AuditChainBreak? FirstBreak)
{
    public bool IsIntact => FirstBreak is null;
}
