using System.Collections.Concurrent;
using DsnGateway.EmbeddedStore;

namespace DsnGateway.Authorization;

/// <summary>
/// Remembers whether a resource passes a caller's restrictions (the count the store would run for
/// <see cref="FhirAccessPolicy"/>), keyed by the resource and the exact parameters added, and valid only while
/// the store's database is unchanged (<see cref="RecordStoreDataVersion"/>). Any commit — a restriction set by
/// an administrator, an MRN moved by a merge, a delete — changes the version and so retires every entry: a
/// remembered answer is always the answer the query would give now. Without a version to watch (a remote store)
/// nothing is remembered.
/// </summary>
internal sealed class VisibilityCache
{
    // Bounded: past this many distinct (resource, restrictions) pairs the cache starts over.
    private const int Capacity = 100_000;

    private readonly RecordStoreDataVersion? _version;
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public VisibilityCache(RecordStoreDataVersion? version = null) => _version = version;

    public async Task<bool> GetOrComputeAsync(string type, string id, IReadOnlyList<KeyValuePair<string, string>> added, Func<Task<bool>> compute)
    {
        if (_version is null) return await compute();

        var key = Key(type, id, added);
        // Read before computing: a commit landing during the query makes the stored entry older than the data,
        // so it is recomputed next time, never trusted past a change.
        if (_version.TryRead() is not { } version) return await compute(); // unknown: ask the store, remember nothing
        if (_entries.TryGetValue(key, out var entry) && entry.Version == version) return entry.Visible;

        var visible = await compute();
        if (_entries.Count >= Capacity) _entries.Clear();
        _entries[key] = new Entry(version, visible);
        return visible;
    }

    private static string Key(string type, string id, IReadOnlyList<KeyValuePair<string, string>> added)
    {
        // Separators that cannot occur in a FHIR type or id; parameter values are written with their lengths.
        var builder = new System.Text.StringBuilder(type.Length + id.Length + 64).Append(type).Append('/').Append(id);
        foreach (var (name, value) in added)
        {
            builder.Append('\n').Append(name.Length).Append(':').Append(name).Append(value.Length).Append(':').Append(value);
        }
        return builder.ToString();
    }

    private readonly record struct Entry(long Version, bool Visible);
}
