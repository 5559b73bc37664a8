using DsnGateway.RecordStore.Indexing;
using DsnGateway.RecordStore.Search;

namespace DsnGateway.RecordStore.Storage;

/// <summary>
/// Where resources live: SQLite by default, PostgreSQL for real load. The interaction logic above it
/// (versioning, conditional operations, transactions) is written once against this contract.
/// </summary>
public interface IResourceRepository
{
    /// <summary>Creates the database, or brings its schema to this build's version (ADR 0013); call once before serving.</summary>
    Task InitializeAsync(CancellationToken cancellationToken);

    Task<StoredResource?> ReadAsync(string type, string id, CancellationToken cancellationToken);

    Task<StoredResource?> ReadVersionAsync(string type, string id, long versionId, CancellationToken cancellationToken);

    /// <summary>Every version of one resource, newest first.</summary>
    Task<IReadOnlyList<StoredResource>> HistoryAsync(string type, string id, CancellationToken cancellationToken);

    Task<SearchPage> SearchAsync(SearchQuery query, CancellationToken cancellationToken);

    /// <summary>
    /// Starts the only kind of unit in which anything is written. Units are serialized by the database
    /// itself (SQLite's write lock, PostgreSQL's serializable isolation), so a check made inside one
    /// (does a resource with this identifier exist?) still holds when it commits, across processes too.
    /// </summary>
    Task<IWriteSession> BeginWriteAsync(CancellationToken cancellationToken);

    /// <summary>True when the database answers and accepts writes.</summary>
    Task<bool> IsWritableAsync(CancellationToken cancellationToken);
}

public interface IWriteSession : IAsyncDisposable
{
    Task<StoredResource?> ReadAsync(string type, string id, CancellationToken cancellationToken);

    /// <summary>Ids of the current resources that match, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<string>> FindIdsAsync(SearchQuery query, int limit, CancellationToken cancellationToken);

    /// <summary>Writes a new current version (or a deletion when <see cref="StoredResource.Deleted"/>) with its index.</summary>
    Task SaveAsync(StoredResource version, IEnumerable<IndexEntry> index, CancellationToken cancellationToken);

    /// <summary>Current resources that reference the given one (for refusing to delete what others point at).</summary>
    Task<IReadOnlyList<string>> ReferrersAsync(string type, string id, int limit, CancellationToken cancellationToken);

    Task CommitAsync(CancellationToken cancellationToken);
}
