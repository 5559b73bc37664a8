using DsnGateway.Fhir.Model;
using DsnGateway.Fhir.Outcomes;
using DsnGateway.Fhir.Serialization;
using DsnGateway.RecordStore.Search;
using DsnGateway.RecordStore.Storage;

namespace DsnGateway.RecordStore.Http;

/// <summary>Builds searchset and history Bundles with absolute links from the store's base URL.</summary>
public static class SearchBundleBuilder
{
    public static Bundle Searchset(string baseUrl, SearchQuery query, IEnumerable<KeyValuePair<string, string>> rawParameters, SearchPage page)
    {
        var kept = rawParameters.Where(p => p.Key != "_cursor").ToList();
        var links = new List<BundleLink> { Link("self", baseUrl, query.ResourceType, kept, null) };
        if (page.Next is not null) links.Add(Link("next", baseUrl, query.ResourceType, kept, page.Next));
        if (page.Previous is not null) links.Add(Link("previous", baseUrl, query.ResourceType, kept, page.Previous));

        var entries = page.Matches.Select(m => Entry(baseUrl, m, "match"))
            .Concat(page.Included.Select(i => Entry(baseUrl, i, "include")))
            .ToList();
        if (query.IgnoredParameters.Count > 0)
        {
            entries.Add(new BundleEntry
            {
                Resource = OperationOutcomes.Warning("not-supported", $"Ignored search parameters: {string.Join(", ", query.IgnoredParameters)}."),
                Search = new BundleSearch { Mode = "outcome" },
            });
        }

        return new Bundle
        {
            Id = Guid.NewGuid().ToString("D"),
            Meta = new Meta { LastUpdated = FhirResponses.Timestamp() },
            Type = "searchset",
            Total = page.Total is { } total ? checked((int)total) : null,
            Link = links,
            Entry = entries,
        };
    }

    public static Bundle History(string baseUrl, IReadOnlyList<StoredResource> versions) => new()
    {
        Id = Guid.NewGuid().ToString("D"),
        Meta = new Meta { LastUpdated = FhirResponses.Timestamp() },
        Type = "history",
        Total = versions.Count,
        Link = [new BundleLink { Relation = "self", Url = $"{baseUrl}/{versions[0].Type}/{versions[0].Id}/_history" }],
        Entry = versions.Select(v => new BundleEntry
        {
            FullUrl = $"{baseUrl}/{v.Type}/{v.Id}",
            Resource = v.Json is null ? null : FhirJson.Parse(v.Json),
            Request = new BundleRequest
            {
                Method = v.Method ?? "PUT",
                Url = v.Method == "POST" ? v.Type : $"{v.Type}/{v.Id}",
            },
            Response = new BundleResponse
            {
                Status = v.Deleted ? "204 No Content" : v.VersionId == 1 ? "201 Created" : "200 OK",
                Etag = $"W/\"{v.VersionId}\"",
                LastModified = Fhir.Primitives.PartialDateTime.FormatInstant(v.LastUpdated),
            },
        }).ToList(),
    };

    public static BundleEntry Entry(string baseUrl, StoredResource stored, string mode) => new()
    {
        FullUrl = $"{baseUrl}/{stored.Type}/{stored.Id}",
        Resource = FhirJson.Parse(stored.Json!),
        Search = new BundleSearch { Mode = mode },
    };

    private static BundleLink Link(string relation, string baseUrl, string type, List<KeyValuePair<string, string>> parameters, PageCursor? cursor)
    {
        var all = cursor is null ? parameters : [.. parameters, KeyValuePair.Create("_cursor", cursor.Encode())];
        var query = string.Join("&", all.Select(p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(p.Value)}"));
        return new BundleLink { Relation = relation, Url = query.Length == 0 ? $"{baseUrl}/{type}" : $"{baseUrl}/{type}?{query}" };
    }
}
