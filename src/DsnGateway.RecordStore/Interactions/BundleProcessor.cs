using DsnGateway.Fhir.Outcomes;
using DsnGateway.Fhir.Serialization;
using DsnGateway.RecordStore.Http;
using DsnGateway.RecordStore.Storage;
using Hl7.Fhir.Model;
using Hl7.Fhir.Utility;
using ResourceReference = DsnGateway.RecordStore.Indexing.ResourceReference;

namespace DsnGateway.RecordStore.Interactions;

/// <summary>
/// Runs <c>transaction</c> Bundles (all or nothing, in one write unit) and <c>batch</c> Bundles (each entry
/// on its own), by the processing rules of the FHIR http page: deletes, then creates, then updates, then
/// reads; <c>urn:uuid</c> and conditional references resolved to the ids the entries end up with.
/// </summary>
public sealed class BundleProcessor
{
    private readonly RecordStoreService _store;

    public BundleProcessor(RecordStoreService store) => _store = store;

    /// <param name="baseUrl">The server's base, so response entries carry absolute fullUrls (R4 requires them).</param>
    public async Task<Bundle> ProcessAsync(Bundle bundle, string baseUrl, CancellationToken cancellationToken)
    {
        return bundle.Type switch
        {
            Bundle.BundleType.Transaction => await TransactionAsync(bundle, baseUrl, cancellationToken),
            Bundle.BundleType.Batch => await BatchAsync(bundle, baseUrl, cancellationToken),
            _ => throw FhirOperationException.BadRequest(
                $"A Bundle posted to the base must be a transaction or a batch, not '{(bundle.Type is { } type ? EnumUtility.GetLiteral(type) : "")}'.", "Bundle.type"),
        };
    }

    private async Task<Bundle> TransactionAsync(Bundle bundle, string baseUrl, CancellationToken cancellationToken)
    {
        var entries = bundle.Entry.Select((e, i) => ParsedEntry.From(e, i)).ToList();
        var duplicates = entries.Where(e => e.Method is "PUT" or "DELETE" && e.Id is not null)
            .GroupBy(e => (e.Type, e.Id)).FirstOrDefault(g => g.Count() > 1);
        if (duplicates is not null)
            throw FhirOperationException.BadRequest($"The transaction names {duplicates.Key.Type}/{duplicates.Key.Id} more than once.");
        // Two entries under one fullUrl would make references to it ambiguous.
        var sameFullUrl = entries.Where(e => e.FullUrl is not null).GroupBy(e => e.FullUrl).FirstOrDefault(g => g.Count() > 1);
        if (sameFullUrl is not null)
            throw FhirOperationException.BadRequest($"Entries {string.Join(" and ", sameFullUrl.Select(e => e.Index))} share the fullUrl '{sameFullUrl.Key}'.", "Bundle.entry.fullUrl");
        // Two conditional writes with one condition name the same resource: neither sees the other, so both
        // would create it (a duplicate record inside one transaction).
        var sameCondition = entries.Where(e => e.ConditionKey is not null).GroupBy(e => e.ConditionKey).FirstOrDefault(g => g.Count() > 1);
        if (sameCondition is not null)
            throw FhirOperationException.BadRequest($"Entries {string.Join(" and ", sameCondition.Select(e => e.Index))} name the same {sameCondition.First().Type} by the same condition; send it once.", "Bundle.entry.request");

        var responses = new Bundle.EntryComponent[entries.Count];
        // Disposing the session without its commit rolls back everything: all or nothing.
        await using var session = await _store.Repository.BeginWriteAsync(cancellationToken);
        {
            // 1. Every entry's final id, so references between entries can be resolved before anything is written.
            var resolved = new Dictionary<string, string>(StringComparer.Ordinal);
            var existingCreates = new Dictionary<int, string>();
            foreach (var entry in entries.Where(e => e.Method == "POST"))
            {
                string id;
                if (entry.IfNoneExist is not null)
                {
                    var found = await _store.FindAsync(session, entry.Type, RecordStoreService.ParseQueryString(entry.IfNoneExist), cancellationToken);
                    if (found.Count > 1)
                        throw EntryError(entry, FhirOperationException.PreconditionFailed($"If-None-Exist '{entry.IfNoneExist}' matches more than one {entry.Type}."));
                    if (found.Count == 1) existingCreates[entry.Index] = found[0];
                    id = found.Count == 1 ? found[0] : RecordStoreService.NewId();
                }
                else
                {
                    id = RecordStoreService.NewId();
                }
                entry.Id = id;
                if (entry.FullUrl is not null) resolved[entry.FullUrl] = $"{entry.Type}/{id}";
            }
            foreach (var entry in entries.Where(e => e.Method == "PUT"))
            {
                if (entry.Id is null)
                {
                    entry.Id = await _store.ResolveConditionalUpdateAsync(session, entry.Type, entry.Conditions, entry.Resource!, cancellationToken);
                }
                if (entry.FullUrl is not null) resolved[entry.FullUrl] = $"{entry.Type}/{entry.Id}";
            }

            // Conditions resolved, two writes may still land on one resource (a matched conditional create
            // and a PUT of that id): the outcome would depend on processing order, so refuse it.
            var sameTarget = entries.Where(e => e.Method != "GET").GroupBy(e => (e.Type, e.Id)).FirstOrDefault(g => g.Count() > 1);
            if (sameTarget is not null)
                throw FhirOperationException.BadRequest($"Entries {string.Join(" and ", sameTarget.Select(e => e.Index))} all write {sameTarget.Key.Type}/{sameTarget.Key.Id}; a transaction may touch a resource once.", "Bundle.entry");

            // 2. References: urn:uuid to the entry's final id; conditional references (Patient?identifier=...) by search.
            foreach (var entry in entries.Where(e => e.Resource is not null))
            {
                var conditional = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var reference in ReferenceRewriter.References(entry.Resource!).Where(r => r.Contains('?') && !resolved.ContainsKey(r)))
                {
                    var type = reference[..reference.IndexOf('?')];
                    var found = await _store.FindAsync(session, type, RecordStoreService.ParseQueryString(reference), cancellationToken);
                    if (found.Count != 1)
                        throw EntryError(entry, FhirOperationException.PreconditionFailed($"Conditional reference '{reference}' matches {found.Count} resources; it must match exactly one."));
                    conditional[reference] = $"{type}/{found[0]}";
                }
                entry.Resource = ReferenceRewriter.Rewrite(entry.Resource!, r =>
                    resolved.TryGetValue(r, out var target) ? target
                    : conditional.TryGetValue(r, out var c) ? c
                    : r.StartsWith("urn:uuid:", StringComparison.Ordinal) || r.StartsWith("urn:oid:", StringComparison.Ordinal)
                        ? throw EntryError(entry, FhirOperationException.BadRequest($"Reference '{r}' names no entry of this transaction."))
                        : null);
            }

            // 3. Deletes, creates, updates, reads, in that order.
            foreach (var entry in entries.OrderBy(e => e.Order))
            {
                try
                {
                    responses[entry.Index] = entry.Method switch
                    {
                        "DELETE" => Response(baseUrl, await _store.DeleteAsync(session, entry.Type, entry.Id!, cancellationToken)),
                        "POST" when existingCreates.ContainsKey(entry.Index) =>
                            Response(baseUrl, new InteractionResult(200, null, await session.ReadAsync(entry.Type, entry.Id!, cancellationToken))),
                        "POST" => Response(baseUrl, await _store.WriteNewAsync(session, entry.Resource!, entry.Id!, checkReferences: false, cancellationToken)),
                        "PUT" => Response(baseUrl, await _store.UpdateAsync(session, entry.Type, entry.Id!, WithId(entry.Resource!, entry.Id!), entry.IfMatch, cancellationToken, checkReferences: false)),
                        "GET" => Response(baseUrl, await ReadInSessionAsync(session, entry, cancellationToken)),
                        _ => throw new InvalidOperationException(),
                    };
                }
                catch (FhirOperationException ex)
                {
                    throw EntryError(entry, ex);
                }
            }

            // 4. References, now that every entry is written: a transaction's entries may come in any order.
            foreach (var entry in entries.Where(e => e.Method is "POST" or "PUT" && !existingCreates.ContainsKey(e.Index)))
            {
                try
                {
                    var written = responses[entry.Index];
                    await _store.EnsureReferencesExistAsync(session, written.Resource!, FhirJson.Serialize(written.Resource!), cancellationToken);
                }
                catch (FhirOperationException ex)
                {
                    throw EntryError(entry, ex);
                }
            }
            await session.CommitAsync(cancellationToken);
        }

        return new Bundle
        {
            Type = Bundle.BundleType.TransactionResponse,
            TimestampElement = FhirResponses.InstantElement(FhirResponses.Timestamp()),
            Entry = [.. responses],
        };
    }

    private async Task<Bundle> BatchAsync(Bundle bundle, string baseUrl, CancellationToken cancellationToken)
    {
        var responses = new List<Bundle.EntryComponent>();
        foreach (var (raw, index) in bundle.Entry.Select((e, i) => (e, i)))
        {
            try
            {
                var entry = ParsedEntry.From(raw, index);
                if ((entry.Resource is not null && ReferenceRewriter.References(entry.Resource).Any(r => r.StartsWith("urn:uuid:", StringComparison.Ordinal))))
                    throw FhirOperationException.BadRequest("Entries of a batch cannot refer to each other; use a transaction.");
                var result = entry.Method switch
                {
                    "DELETE" => await _store.DeleteAsync(entry.Type, entry.Id!, cancellationToken),
                    "POST" => await _store.CreateAsync(entry.Resource!, entry.IfNoneExist, cancellationToken),
                    "PUT" when entry.Id is null => await _store.ConditionalUpdateAsync(entry.Type, entry.Conditions, entry.Resource!, entry.IfMatch, cancellationToken),
                    "PUT" => await _store.UpdateAsync(entry.Type, entry.Id, WithId(entry.Resource!, entry.Id), entry.IfMatch, cancellationToken),
                    "GET" => await _store.ReadAsync(entry.Type, entry.Id!, cancellationToken),
                    _ => throw new InvalidOperationException(),
                };
                responses.Add(Response(baseUrl, result));
            }
            catch (FhirOperationException ex)
            {
                responses.Add(new Bundle.EntryComponent
                {
                    Response = new Bundle.ResponseComponent { Status = StatusLine(ex.StatusCode), Outcome = ex.ToOutcome() },
                });
            }
        }
        return new Bundle
        {
            Type = Bundle.BundleType.BatchResponse,
            TimestampElement = FhirResponses.InstantElement(FhirResponses.Timestamp()),
            Entry = responses,
        };
    }

    private static async Task<InteractionResult> ReadInSessionAsync(IWriteSession session, ParsedEntry entry, CancellationToken cancellationToken)
    {
        var stored = await session.ReadAsync(entry.Type, entry.Id!, cancellationToken)
            ?? throw FhirOperationException.NotFound($"{entry.Type}/{entry.Id} is not known.");
        if (stored.Deleted) throw FhirOperationException.Gone($"{entry.Type}/{entry.Id} was deleted.");
        return InteractionResult.FromStored(200, stored);
    }

    private static Resource WithId(Resource resource, string id)
    {
        resource.Id ??= id;
        return resource;
    }

    private static Bundle.EntryComponent Response(string baseUrl, InteractionResult result) => new()
    {
        FullUrl = result.Stored is null ? null : $"{baseUrl.TrimEnd('/')}/{result.Stored.Type}/{result.Stored.Id}",
        Resource = result.Resource,
        Response = new Bundle.ResponseComponent
        {
            Status = StatusLine(result.Status),
            Location = result.Status == 201 ? result.Location : null,
            Etag = result.ETag,
            LastModifiedElement = result.Stored is null ? null : FhirResponses.InstantElement(result.Stored.LastUpdated),
        },
    };

    private static string StatusLine(int status) => status switch
    {
        200 => "200 OK",
        201 => "201 Created",
        204 => "204 No Content",
        _ => status.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private static FhirOperationException EntryError(ParsedEntry entry, FhirOperationException ex) =>
        ex.Message.StartsWith("Entry ", StringComparison.Ordinal)
            ? ex
            : new FhirOperationException(ex.StatusCode, ex.IssueCode, $"Entry {entry.Index} ({entry.Method} {entry.Url}): {ex.Message}", $"Bundle.entry[{entry.Index}]");

    /// <summary>One entry's request, read and checked.</summary>
    private sealed class ParsedEntry
    {
        public int Index { get; private init; }
        public string Method { get; private init; } = "";
        public string Url { get; private init; } = "";
        public string Type { get; private init; } = "";
        public string? Id { get; set; }
        public string? FullUrl { get; private init; }
        public string? IfNoneExist { get; private init; }
        public string? IfMatch { get; private init; }
        public IReadOnlyList<KeyValuePair<string, string>> Conditions { get; private init; } = [];
        public Resource? Resource { get; set; }

        public int Order => Method switch { "DELETE" => 0, "POST" => 1, "PUT" => 2, _ => 3 };

        /// <summary>The type and the condition (parameters sorted) of a conditional create or update, else null.</summary>
        public string? ConditionKey =>
            Method == "POST" && IfNoneExist is not null ? Key(RecordStoreService.ParseQueryString(IfNoneExist))
            : Method == "PUT" && Id is null && Conditions.Count > 0 ? Key(Conditions)
            : null;

        private string Key(IEnumerable<KeyValuePair<string, string>> parameters) =>
            Type + "?" + string.Join("&", parameters.Select(p => $"{p.Key}={p.Value}").Order(StringComparer.Ordinal));

        public static ParsedEntry From(Bundle.EntryComponent entry, int index)
        {
            var request = entry.Request
                ?? throw FhirOperationException.BadRequest($"Entry {index} has no request.", $"Bundle.entry[{index}].request");
            var method = request.Method is { } verb ? EnumUtility.GetLiteral(verb) : "";
            var url = request.Url ?? throw FhirOperationException.BadRequest($"Entry {index} has no request.url.", $"Bundle.entry[{index}].request.url");
            if (method is not ("GET" or "POST" or "PUT" or "DELETE"))
                throw FhirOperationException.BadRequest($"Entry {index}: method '{method}' is not supported here.", $"Bundle.entry[{index}].request.method");

            var question = url.IndexOf('?');
            var path = (question >= 0 ? url[..question] : url).Trim('/');
            var segments = path.Split('/');
            var type = segments[0];
            string? id = segments.Length >= 2 ? segments[1] : null;
            var conditions = question >= 0 ? RecordStoreService.ParseQueryString(url[question..]) : [];

            var parsed = new ParsedEntry
            {
                Index = index,
                Method = method,
                Url = url,
                Type = type,
                Id = id,
                FullUrl = entry.FullUrl,
                IfNoneExist = request.IfNoneExist,
                IfMatch = request.IfMatch,
                Conditions = conditions,
                Resource = entry.Resource,
            };

            var needsBody = method is "POST" or "PUT";
            if (needsBody && entry.Resource is null)
                throw FhirOperationException.BadRequest($"Entry {index} ({method} {url}) has no resource.", $"Bundle.entry[{index}].resource");
            if (needsBody && entry.Resource!.TypeName != type)
                throw FhirOperationException.BadRequest($"Entry {index}: the resource is a {entry.Resource.TypeName}, the URL names {type}.", $"Bundle.entry[{index}]");
            if (method is "DELETE" or "GET" && id is null)
                throw FhirOperationException.BadRequest($"Entry {index}: {method} {url} must name one resource (Type/id).", $"Bundle.entry[{index}].request.url");
            if (method == "PUT" && id is null && conditions.Count == 0)
                throw FhirOperationException.BadRequest($"Entry {index}: PUT {url} needs an id or a condition.", $"Bundle.entry[{index}].request.url");
            if (id is not null && !ResourceReference.IsValidId(id))
                throw FhirOperationException.BadRequest($"Entry {index}: '{id}' is not a valid id.", $"Bundle.entry[{index}].request.url");
            if (method == "POST") parsed.Id = null;
            return parsed;
        }
    }
}
