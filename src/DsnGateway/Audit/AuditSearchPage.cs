namespace DsnGateway.Audit;

/// <summary>One page of an audit search, newest first, with the cursors of its neighbours and the total of matches.</summary>
internal sealed record AuditSearchPage(
    IReadOnlyList<StoredAuditEvent> Matches,
    long Total,
    AuditPageCursor? Next,
    AuditPageCursor? Previous);
