using DsnGateway.Fhir.Model;
using DsnGateway.Fhir.Outcomes;
using DsnGateway.Fhir.Serialization;
using DsnGateway.RecordStore.Http;
using DsnGateway.RecordStore.Indexing;
using DsnGateway.RecordStore.Search;
using DsnGateway.RecordStore.Storage;
using Hl7.Fhir.Model;
using ResourceReference = DsnGateway.RecordStore.Indexing.ResourceReference;
using Task = System.Threading.Tasks.Task;

namespace DsnGateway.RecordStore.Interactions;

/// <summary>
/// The FHIR interactions of the record store (read, vread, create, update, delete, conditional create and
/// update, history, search), written once over <see cref="IResourceRepository"/>. Every write runs in a
/// database write unit, so conditional operations are atomic whatever the concurrency.
/// </summary>
public sealed class RecordStoreService
{
    private readonly IResourceRepository _repository;
    private readonly SearchParameterRegistry _registry;
    private readonly SearchQueryParser _parser;
    private readonly TimeProvider _clock;

    public RecordStoreService(IResourceRepository repository, SearchParameterRegistry registry, TimeProvider clock)
    {
        _repository = repository;
        _registry = registry;
        _parser = new SearchQueryParser(registry);
        _clock = clock;
    }

    public SearchParameterRegistry Registry => _registry;

    internal IResourceRepository Repository => _repository;

    public SearchQueryParser Parser => _parser;

    public void EnsureSupportedType(string type)
    {
        if (!_registry.Supports(type))
            throw FhirOperationException.NotFound($"Resource type '{type}' is not supported by this store.");
    }

    public async Task<InteractionResult> ReadAsync(string type, string id, CancellationToken cancellationToken)
    {
        EnsureSupportedType(type);
        var stored = await _repository.ReadAsync(type, id, cancellationToken)
            ?? throw FhirOperationException.NotFound($"{type}/{id} is not known.");
        if (stored.Deleted) throw FhirOperationException.Gone($"{type}/{id} was deleted.");
        return InteractionResult.FromStored(200, stored);
    }

    public async Task<InteractionResult> VReadAsync(string type, string id, string versionId, CancellationToken cancellationToken)
    {
        EnsureSupportedType(type);
        if (!long.TryParse(versionId, out var version))
            throw FhirOperationException.NotFound($"{type}/{id} has no version '{versionId}'.");
        var stored = await _repository.ReadVersionAsync(type, id, version, cancellationToken)
            ?? throw FhirOperationException.NotFound($"{type}/{id} has no version {versionId}.");
        if (stored.Deleted) throw FhirOperationException.Gone($"Version {versionId} of {type}/{id} is a deletion.");
        return InteractionResult.FromStored(200, stored);
    }

    public async Task<IReadOnlyList<StoredResource>> HistoryAsync(string type, string id, CancellationToken cancellationToken)
    {
        EnsureSupportedType(type);
        var versions = await _repository.HistoryAsync(type, id, cancellationToken);
        if (versions.Count == 0) throw FhirOperationException.NotFound($"{type}/{id} is not known.");
        return versions;
    }

    public Task<SearchPage> SearchAsync(SearchQuery query, CancellationToken cancellationToken)
    {
        EnsureSupportedType(query.ResourceType);
        return _repository.SearchAsync(query, cancellationToken);
    }

    public Task<InteractionResult> CreateAsync(Resource resource, string? ifNoneExist, CancellationToken cancellationToken) =>
        InWriteUnitAsync(session => CreateAsync(session, resource, ifNoneExist, cancellationToken), cancellationToken);

    public Task<InteractionResult> UpdateAsync(string type, string id, Resource resource, string? ifMatch, CancellationToken cancellationToken) =>
        InWriteUnitAsync(session => UpdateAsync(session, type, id, resource, ifMatch, cancellationToken), cancellationToken);

    public Task<InteractionResult> ConditionalUpdateAsync(string type, IEnumerable<KeyValuePair<string, string>> criteria, Resource resource, string? ifMatch, CancellationToken cancellationToken) =>
        InWriteUnitAsync(async session =>
        {
            var id = await ResolveConditionalUpdateAsync(session, type, criteria, resource, cancellationToken);
            return await UpdateAsync(session, type, id, resource, ifMatch, cancellationToken);
        }, cancellationToken);

    public Task<InteractionResult> DeleteAsync(string type, string id, CancellationToken cancellationToken) =>
        InWriteUnitAsync(session => DeleteAsync(session, type, id, cancellationToken), cancellationToken);

    internal async Task<InteractionResult> InWriteUnitAsync(Func<IWriteSession, Task<InteractionResult>> work, CancellationToken cancellationToken)
    {
        await using var session = await _repository.BeginWriteAsync(cancellationToken);
        var result = await work(session);
        await session.CommitAsync(cancellationToken);
        return result;
    }

    internal async Task<InteractionResult> CreateAsync(IWriteSession session, Resource resource, string? ifNoneExist, CancellationToken cancellationToken)
    {
        var type = resource.TypeName;
        EnsureSupportedType(type);
        if (!string.IsNullOrWhiteSpace(ifNoneExist))
        {
            var existing = await FindAsync(session, type, ParseQueryString(ifNoneExist), cancellationToken);
            if (existing.Count > 1)
                throw FhirOperationException.PreconditionFailed($"If-None-Exist '{ifNoneExist}' matches more than one {type}.");
            if (existing.Count == 1)
            {
                var stored = await session.ReadAsync(type, existing[0], cancellationToken);
                return InteractionResult.FromStored(200, stored!);
            }
        }
        // A create ignores any id in the body: the server assigns it.
        return await WriteAsync(session, resource, NewId(), "POST", null, cancellationToken);
    }

    /// <summary>Writes a new resource under an id chosen beforehand (transactions resolve ids first).</summary>
    internal Task<InteractionResult> WriteNewAsync(IWriteSession session, Resource resource, string id, bool checkReferences, CancellationToken cancellationToken)
    {
        EnsureSupportedType(resource.TypeName);
        return WriteAsync(session, resource, id, "POST", null, cancellationToken, checkReferences);
    }

    internal async Task<InteractionResult> UpdateAsync(IWriteSession session, string type, string id, Resource resource, string? ifMatch, CancellationToken cancellationToken, bool checkReferences = true)
    {
        EnsureSupportedType(type);
        if (resource.TypeName != type)
            throw FhirOperationException.BadRequest($"The body is a {resource.TypeName}, the URL names {type}.", "resourceType");
        if (resource.Id is null)
            throw FhirOperationException.BadRequest("An update must carry the resource's id in its body.", $"{type}.id");
        if (resource.Id != id)
            throw FhirOperationException.BadRequest($"The body's id '{resource.Id}' differs from the URL's '{id}'.", $"{type}.id");
        if (!ResourceReference.IsValidId(id))
            throw FhirOperationException.BadRequest($"'{id}' is not a valid id.", $"{type}.id");
        return await WriteAsync(session, resource, id, "PUT", ifMatch, cancellationToken, checkReferences);
    }

    internal async Task<string> ResolveConditionalUpdateAsync(IWriteSession session, string type, IEnumerable<KeyValuePair<string, string>> criteria, Resource resource, CancellationToken cancellationToken)
    {
        var matches = await FindAsync(session, type, criteria, cancellationToken);
        switch (matches.Count)
        {
            case > 1:
                throw FhirOperationException.PreconditionFailed($"The conditional update matches more than one {type}.");
            case 1:
                if (resource.Id is not null && resource.Id != matches[0])
                    throw FhirOperationException.BadRequest($"The body's id '{resource.Id}' differs from the matching {type}/{matches[0]}.", $"{type}.id");
                resource.Id = matches[0];
                return matches[0];
            default:
                if (resource.Id is not null && await session.ReadAsync(type, resource.Id, cancellationToken) is { Deleted: false })
                    throw FhirOperationException.Conflict($"{type}/{resource.Id} exists but does not match the condition.");
                resource.Id ??= NewId();
                return resource.Id;
        }
    }

    internal async Task<InteractionResult> DeleteAsync(IWriteSession session, string type, string id, CancellationToken cancellationToken)
    {
        EnsureSupportedType(type);
        var current = await session.ReadAsync(type, id, cancellationToken)
            ?? throw FhirOperationException.NotFound($"{type}/{id} is not known.");
        if (current.Deleted) return new InteractionResult(204, null, current);
        var referrers = await session.ReferrersAsync(type, id, 5, cancellationToken);
        if (referrers.Count > 0)
            throw FhirOperationException.Conflict($"{type}/{id} cannot be deleted: {string.Join(", ", referrers)} refer to it.");
        var deleted = new StoredResource(type, id, current.VersionId + 1, NextTimestamp(current), true, null, current.Sequence, "DELETE");
        await session.SaveAsync(deleted, [], cancellationToken);
        return new InteractionResult(204, null, deleted);
    }

    /// <summary>
    /// Ids of current resources matching a query-string condition (at most two: one is all a condition may match).
    /// A Patient retired by a merge is no match beside a Patient that is not: its survivor carries its identifiers
    /// (use: old), so a condition by a retired identifier names the survivor alone (docs/arch/0011).
    /// </summary>
    internal async Task<IReadOnlyList<string>> FindAsync(IWriteSession session, string type, IEnumerable<KeyValuePair<string, string>> criteria, CancellationToken cancellationToken)
    {
        var query = _parser.Parse(type, criteria, lenient: false);
        if (query.Criteria.Count == 0)
            throw FhirOperationException.BadRequest($"A condition on {type} needs at least one search parameter.");
        if (type != nameof(Patient)) return await session.FindIdsAsync(query, 2, cancellationToken);
        // A person merged several times matches once per retired record, and once more as the survivor.
        var ids = await session.FindIdsAsync(query, MaxMergedMatches, cancellationToken);
        if (ids.Count < 2) return ids;
        var current = new List<string>(2);
        foreach (var id in ids)
        {
            if (await session.ReadAsync(type, id, cancellationToken) is { Json: not null } candidate && StoredJson.Parse<Patient>(candidate).IsRetired()) continue;
            current.Add(id);
            if (current.Count == 2) break;
        }
        return current.Count == 0 ? ids.Take(2).ToList() : current;
    }

    private const int MaxMergedMatches = 16;

    /// <param name="checkReferences">False inside a transaction, which checks every reference once all its entries are written.</param>
    private async Task<InteractionResult> WriteAsync(IWriteSession session, Resource resource, string id, string method, string? ifMatch, CancellationToken cancellationToken, bool checkReferences = true)
    {
        var type = resource.TypeName;
        var current = await session.ReadAsync(type, id, cancellationToken);
        if (ifMatch is not null)
        {
            var expected = ParseETag(ifMatch);
            if (current is null || current.Deleted || current.VersionId != expected)
                throw FhirOperationException.PreconditionFailed($"If-Match {ifMatch} does not match the current version of {type}/{id} ({(current is null || current.Deleted ? "none" : $"W/\"{current.VersionId}\"")}).");
        }

        var stored = FhirJson.DeepCopy(resource);
        stored.Id = id;
        stored.Meta ??= new Meta();
        if (method == "PUT" && current is { Deleted: false, Json: { } currentJson })
        {
            // No change, no version: an update holding what the current version holds (its version id and
            // lastUpdated aside; the rest of meta, a security label say, is content) leaves the history as it was,
            // as HAPI and Microsoft's FHIR server do, so a redelivered or repeated write is harmless. The answer is
            // the current version, whose ETag still holds.
            stored.Meta.VersionId = current.VersionId.ToString(System.Globalization.CultureInfo.InvariantCulture);
            stored.Meta.LastUpdatedElement = FhirResponses.InstantElement(current.LastUpdated);
            if (string.Equals(FhirJson.Serialize(stored), currentJson, StringComparison.Ordinal)) return InteractionResult.FromStored(200, current);
        }
        var version = (current?.VersionId ?? 0) + 1;
        var lastUpdated = NextTimestamp(current);
        stored.Meta.VersionId = version.ToString(System.Globalization.CultureInfo.InvariantCulture);
        stored.Meta.LastUpdatedElement = FhirResponses.InstantElement(lastUpdated);
        ResourceValidator.Validate(stored);
        var json = FhirJson.Serialize(stored);
        if (checkReferences) await EnsureReferencesExistAsync(session, stored, json, cancellationToken);
        var row = new StoredResource(type, id, version, lastUpdated, false, json, current?.Sequence ?? 0, method);
        await session.SaveAsync(row, _registry.Index(stored), cancellationToken);
        var created = current is null || current.Deleted;
        return new InteractionResult(created ? 201 : 200, stored, row);
    }

    /// <summary>A stored resource never points at a resource of this store that does not exist.</summary>
    internal async Task EnsureReferencesExistAsync(IWriteSession session, Resource resource, string resourceJson, CancellationToken cancellationToken)
    {
        foreach (var reference in ReferenceRewriter.References(resourceJson))
        {
            if (reference.StartsWith('#') || reference.Contains("://", StringComparison.Ordinal)) continue;
            if (reference.StartsWith("urn:", StringComparison.Ordinal) || reference.Contains('?'))
                throw FhirOperationException.Unprocessable($"Reference '{reference}' is only valid inside a transaction that resolves it.");
            if (!ResourceReference.TryParse(reference, out var type, out var id))
                throw FhirOperationException.Unprocessable($"'{reference}' is not a valid reference.");
            if (!_registry.Supports(type)) continue;
            if (type == resource.TypeName && id == resource.Id) continue;
            var target = await session.ReadAsync(type, id, cancellationToken);
            if (target is null || target.Deleted)
                throw FhirOperationException.Unprocessable($"Reference '{reference}' points at a resource that does not exist.");
        }
    }

    private DateTimeOffset NextTimestamp(StoredResource? current)
    {
        var now = DateTimeOffset.FromUnixTimeMilliseconds(_clock.GetUtcNow().ToUnixTimeMilliseconds());
        // lastUpdated never goes backwards for one resource, even if the clock does.
        return current is not null && now <= current.LastUpdated ? current.LastUpdated.AddMilliseconds(1) : now;
    }

    private static long ParseETag(string etag)
    {
        var value = etag.Trim();
        if (value.StartsWith("W/", StringComparison.Ordinal)) value = value[2..];
        value = value.Trim('"');
        return long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var version)
            ? version
            : throw FhirOperationException.BadRequest($"If-Match '{etag}' is not a version ETag such as W/\"3\".");
    }

    public static string NewId() => Guid.CreateVersion7().ToString("D");

    /// <summary>Splits <c>a=1&amp;b=2</c> (as in If-None-Exist or a conditional URL), decoding each part.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> ParseQueryString(string query)
    {
        var q = query.TrimStart('?');
        var question = q.IndexOf('?');
        if (question >= 0) q = q[(question + 1)..];
        return q.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(part =>
            {
                var eq = part.IndexOf('=');
                var key = Uri.UnescapeDataString((eq < 0 ? part : part[..eq]).Replace('+', ' '));
                var value = eq < 0 ? "" : Uri.UnescapeDataString(part[(eq + 1)..].Replace('+', ' '));
                return KeyValuePair.Create(key, value);
            })
            .ToList();
    }
}
