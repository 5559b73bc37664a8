using DsnGateway.Fhir.Outcomes;
using DsnGateway.Fhir.Serialization;
using DsnGateway.RecordStore.Search;
using DsnGateway.RecordStore.Storage;
using Hl7.Fhir.Model;
using Hl7.Fhir.Utility;

namespace DsnGateway.RecordStore.Http;

/// <summary>Builds searchset and history Bundles with absolute links from the store's base URL.</summary>
public static class SearchBundleBuilder
{
    public static Bundle Searchset(string baseUrl, SearchQuery query, IEnumerable<KeyValuePair<string, string>> rawParameters, SearchPage page)
    {
        var kept = rawParameters.Where(p => p.Key != "_cursor").ToList();
        var links = new List<Bundle.LinkComponent> { Link("self", baseUrl, query.ResourceType, kept, null) };
        if (page.Next is not null) links.Add(Link("next", baseUrl, query.ResourceType, kept, page.Next));
        if (page.Previous is not null) links.Add(Link("previous", baseUrl, query.ResourceType, kept, page.Previous));

        var entries = page.Matches.Select(m => Entry(baseUrl, m, "match"))
            .Concat(page.Included.Select(i => Entry(baseUrl, i, "include")))
            .ToList();
        if (query.IgnoredParameters.Count > 0)
        {
            entries.Add(new Bundle.EntryComponent
            {
                Resource = OperationOutcomes.Warning("not-supported", $"Ignored search parameters: {string.Join(", ", query.IgnoredParameters)}."),
                Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Outcome },
            });
        }

        return new Bundle
        {
            Id = Guid.NewGuid().ToString("D"),
            Meta = new Meta { LastUpdatedElement = FhirResponses.InstantElement(FhirResponses.Timestamp()) },
            Type = Bundle.BundleType.Searchset,
            Total = page.Total is { } total ? checked((int)total) : null,
            Link = links,
            Entry = entries,
        };
    }

    public static Bundle History(string baseUrl, IReadOnlyList<StoredResource> versions) => new()
    {
        Id = Guid.NewGuid().ToString("D"),
        Meta = new Meta { LastUpdatedElement = FhirResponses.InstantElement(FhirResponses.Timestamp()) },
        Type = Bundle.BundleType.History,
        Total = versions.Count,
        Link = [new Bundle.LinkComponent { Relation = "self", Url = $"{baseUrl}/{versions[0].Type}/{versions[0].Id}/_history" }],
        Entry = versions.Select(v => new Bundle.EntryComponent
        {
            FullUrl = $"{baseUrl}/{v.Type}/{v.Id}",
            Resource = v.Json is null ? null : StoredJson.Parse(v),
            Request = new Bundle.RequestComponent
            {
                Method = EnumUtility.ParseLiteral<Bundle.HTTPVerb>(v.Method ?? "PUT"),
                Url = v.Method == "POST" ? v.Type : $"{v.Type}/{v.Id}",
            },
            Response = new Bundle.ResponseComponent
            {
                Status = v.Deleted ? "204 No Content" : v.VersionId == 1 ? "201 Created" : "200 OK",
                Etag = $"W/\"{v.VersionId}\"",
                LastModifiedElement = FhirResponses.InstantElement(v.LastUpdated),
            },
        }).ToList(),
    };

    /// <param name="mode">The search mode's code: match, include or outcome.</param>
    public static Bundle.EntryComponent Entry(string baseUrl, StoredResource stored, string mode) => new()
    {
        FullUrl = $"{baseUrl}/{stored.Type}/{stored.Id}",
        Resource = StoredJson.Parse(stored),
        Search = new Bundle.SearchComponent
        {
            Mode = EnumUtility.ParseLiteral<Bundle.SearchEntryMode>(mode) ?? throw new ArgumentException($"'{mode}' is not a search entry mode.", nameof(mode)),
        },
    };

    private static Bundle.LinkComponent Link(string relation, string baseUrl, string type, List<KeyValuePair<string, string>> parameters, PageCursor? cursor)
    {
        var all = cursor is null ? parameters : [.. parameters, KeyValuePair.Create("_cursor", cursor.Encode())];
        var query = string.Join("&", all.Select(p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(p.Value)}"));
        return new Bundle.LinkComponent { Relation = relation, Url = query.Length == 0 ? $"{baseUrl}/{type}" : $"{baseUrl}/{type}?{query}" };
    }
}
