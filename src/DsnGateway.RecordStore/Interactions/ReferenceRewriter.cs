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

    /// <summary>
    /// A copy of the resource with each reference replaced by <paramref name="map"/>'s answer (null keeps it); the
    /// resource itself when nothing changes. The copy is rewritten in place, element by element: no JSON round trip,
    /// so a resource built in code is never parsed here (its dates are checked, with a 422, when it is stored).
    /// </summary>
    public static Resource Rewrite(Resource resource, Func<string, string?> map)
    {
        var copy = (Resource)resource.DeepCopy();
        return RewriteIn(copy, map) ? copy : resource;
    }

    /// <summary>Every <c>reference</c> under <paramref name="element"/>, contained resources and extensions included.</summary>
    private static bool RewriteIn(Base element, Func<string, string?> map)
    {
        var changed = false;
        if (element is ResourceReference { Reference: { } reference } target && map(reference) is { } replacement && replacement != reference)
        {
            target.Reference = replacement;
            changed = true;
        }
        foreach (var (_, value) in element.EnumerateElements())
        {
            switch (value)
            {
                case Base child:
                    changed |= RewriteIn(child, map);
                    break;
                case IEnumerable<Base> children:
                    foreach (var child in children) changed |= RewriteIn(child, map);
                    break;
            }
        }
        return changed;
    }

    private static List<string> Collect(JsonNode? node)
    {
        var found = new List<string>();
        Collect(node, found);
        return found;
    }

    private static void Collect(JsonNode? node, List<string> found)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, child) in obj)
                {
                    if (key == "reference" && child is JsonValue v && v.TryGetValue<string>(out var reference)) found.Add(reference);
                    else Collect(child, found);
                }
                break;
            case JsonArray array:
                foreach (var child in array) Collect(child, found);
                break;
        }
    }
}
