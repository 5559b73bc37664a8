using System.Text;
using System.Text.Json.Nodes;

namespace DsnGateway.Proxy;

/// <summary>
/// Replaces the record store's own base URL with the gateway's public base wherever it appears in a
/// response (Bundle links, fullUrl, Location), so a client never sees, or follows, the store's address.
/// </summary>
public sealed class LinkRewriter
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

    /// <summary>The body with store URLs replaced, or null when it holds none (the common case: leave it as is).</summary>
    public byte[]? RewriteJson(ReadOnlySpan<byte> body, string publicBase)
    {
        if (body.IndexOf(_storeBaseUtf8) < 0) return null;
        var node = JsonNode.Parse(body);
        if (node is null || !Walk(node, publicBase)) return null;
        return Encoding.UTF8.GetBytes(node.ToJsonString(Fhir.Serialization.FhirJson.Options));
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
