namespace DsnGateway.RecordStore.Storage;

/// <summary>One version of a resource as the database keeps it.</summary>
public sealed record StoredResource(
    string Type,
    string Id,
    long VersionId,
    DateTimeOffset LastUpdated,
    bool Deleted,
    string? Json,
    long Sequence = 0,
    string? Method = null);

/// <summary>A page of search results, with what <c>_include</c>/<c>_revinclude</c> brought along.</summary>
public sealed record SearchPage(
    IReadOnlyList<StoredResource> Matches,
    IReadOnlyList<StoredResource> Included,
    long? Total,
    Search.PageCursor? Next,
    Search.PageCursor? Previous);
