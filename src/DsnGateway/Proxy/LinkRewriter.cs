using System.Text;
using System.Text.Json.Nodes;

namespace DsnGateway.Proxy;

/// <summary>
/// Replaces the record store's own base URL with the gateway's public base wherever it appears in a
/// response (Bundle links, fullUrl, Location), so a client never sees, or follows, the store's address; and
/// takes out of a search Bundle's links the parameters the gateway added (<see cref="SearchConfinement"/>), so a
/// link shows what the caller asked and stays the same however often it is followed.
/// </summary>
internal sealed class LinkRewriter
{
    private readonly string _storeBase;
    private readonly byte[] _storeBaseUtf8;

    public LinkRewriter(Uri storeBase)
    {
        _storeBase = storeBase.ToString().TrimEnd('/');
        _storeBaseUtf8 = Encoding.UTF8.GetBytes(_storeBase);
    }

    public string? RewriteUrl(string? url, string publicBase) =>
        url is not null && IsStoreUrl(url) ? publicBase + url[_storeBase.Length..] : url;

    /// <summary>The body with store URLs replaced and the added parameters taken out of its links, or null when there was nothing to change (leave it as is).</summary>
    public byte[]? RewriteJson(ReadOnlySpan<byte> body, string publicBase, SearchConfinement? confinement = null)
    {
        var added = confinement?.AddedParameters ?? [];
        if (added.Count == 0 && body.IndexOf(_storeBaseUtf8) < 0) return null;
        var node = JsonNode.Parse(body);
        if (node is null) return null;
        var changed = Walk(node, publicBase);
        if (added.Count > 0) changed |= RemoveAddedFromLinks(node, added);
        return changed ? Encoding.UTF8.GetBytes(node.ToJsonString(Fhir.Serialization.FhirJson.Options)) : null;
    }

    /// <summary>
    /// The url without one occurrence of each added parameter, the last one: the gateway appends them to the caller's
    /// query, and the store repeats the query in order, so a parameter the caller sent themselves (the same
    /// <c>identifier=urn:dsn:mrn:nim|</c>, say) stays. Compared decoded, whatever escaping the store chose.
    /// </summary>
    public static string WithoutAdded(string url, IReadOnlyList<KeyValuePair<string, string>> added)
    {
        var start = url.IndexOf('?');
        if (start < 0 || added.Count == 0) return url;
        var end = url.IndexOf('#', start);
        if (end < 0) end = url.Length;
        var parts = url[(start + 1)..end].Split('&').ToList();
        foreach (var (key, value) in added)
        {
            var last = parts.FindLastIndex(p => IsParameter(p, key, value));
            if (last >= 0) parts.RemoveAt(last);
        }
        var query = string.Join('&', parts.Where(p => p.Length > 0));
        return url[..start] + (query.Length > 0 ? "?" + query : "") + url[end..];
    }

    private static bool IsParameter(string part, string key, string value)
    {
        var equals = part.IndexOf('=');
        return equals >= 0 && Unescape(part[..equals]) == key && Unescape(part[(equals + 1)..]) == value;
    }

    private static string Unescape(string text) => Uri.UnescapeDataString(text.Replace('+', ' '));

    private static bool RemoveAddedFromLinks(JsonNode root, IReadOnlyList<KeyValuePair<string, string>> added)
    {
        if (root is not JsonObject bundle || bundle["resourceType"]?.GetValueKind() != System.Text.Json.JsonValueKind.String
            || bundle["resourceType"]!.GetValue<string>() != "Bundle" || bundle["link"] is not JsonArray links)
            return false;
        var changed = false;
        foreach (var link in links.OfType<JsonObject>())
        {
            if (link["url"] is not JsonValue url || !url.TryGetValue<string>(out var text)) continue;
            var stripped = WithoutAdded(text, added);
            if (stripped == text) continue;
            link["url"] = stripped;
            changed = true;
        }
        return changed;
    }

    private bool Walk(JsonNode node, string publicBase)
    {
        var changed = false;
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, child) in obj.ToList())
                {
                    if (child is JsonValue value && value.TryGetValue<string>(out var text) && IsStoreUrl(text))
                    {
                        obj[key] = publicBase + text[_storeBase.Length..];
                        changed = true;
                    }
                    else if (child is not null)
                    {
                        changed |= Walk(child, publicBase);
                    }
                }
                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    if (array[i] is JsonValue value && value.TryGetValue<string>(out var text) && IsStoreUrl(text))
                    {
                        array[i] = publicBase + text[_storeBase.Length..];
                        changed = true;
                    }
                    else if (array[i] is { } child)
                    {
                        changed |= Walk(child, publicBase);
                    }
                }
                break;
        }
        return changed;
    }

    private bool IsStoreUrl(string text) =>
        text.StartsWith(_storeBase, StringComparison.OrdinalIgnoreCase)
        && (text.Length == _storeBase.Length || text[_storeBase.Length] is '/' or '?' or '#');
}
