using System.Text.Json.Nodes;
using DsnGateway.Fhir.Serialization;
using Hl7.Fhir.Model;

namespace DsnGateway.RecordStore.Interactions;

/// <summary>Finds and replaces the <c>reference</c> values anywhere in a resource.</summary>
public static class ReferenceRewriter
{
    public static IEnumerable<string> References(Resource resource) => References(FhirJson.Serialize(resource));

    /// <summary>The references of a resource already in FHIR JSON (no second serialization).</summary>
    public static IEnumerable<string> References(string resourceJson) => Collect(JsonNode.Parse(resourceJson));

    /// <summary>A copy of the resource with each reference replaced by <paramref name="map"/>'s answer (null keeps it).</summary>
    public static Resource Rewrite(Resource resource, Func<string, string?> map)
    {
        var node = JsonNode.Parse(FhirJson.Serialize(resource))!;
        var changed = Walk(node, map);
        return changed ? FhirJson.Parse(node.ToJsonString()) : resource;
    }

    private static IEnumerable<string> Collect(JsonNode? node)
    {
        var found = new List<string>();
        Walk(node, r => { found.Add(r); return null; });
        return found;
    }

    private static bool Walk(JsonNode? node, Func<string, string?> map)
    {
        var changed = false;
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, child) in obj.ToList())
                {
                    if (key == "reference" && child is JsonValue v && v.TryGetValue<string>(out var reference))
                    {
                        var replacement = map(reference);
                        if (replacement is not null && replacement != reference)
                        {
                            obj[key] = replacement;
                            changed = true;
                        }
                    }
                    else
                    {
                        changed |= Walk(child, map);
                    }
                }
                break;
            case JsonArray array:
                foreach (var child in array)
                {
                    changed |= Walk(child, map);
                }
                break;
        }
        return changed;
    }
}
