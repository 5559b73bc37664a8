using System.Text.Json.Nodes;

namespace DsnGateway.Fhir.Tests;

/// <summary>
/// Semantic JSON equality: property order is free, array order and number text are not
/// (so "1.50" and "1.5" differ: FHIR decimals keep their precision).
/// </summary>
public static class JsonSemantics
{
    public static string? FirstDifference(JsonNode? expected, JsonNode? actual, string path = "$")
    {
        switch (expected, actual)
        {
            case (null, null):
                return null;
            case (JsonObject e, JsonObject a):
                foreach (var (key, value) in e)
                {
                    if (!a.ContainsKey(key)) return $"{path}.{key} missing";
                    var diff = FirstDifference(value, a[key], $"{path}.{key}");
                    if (diff is not null) return diff;
                }
                foreach (var (key, _) in a)
                {
                    if (!e.ContainsKey(key)) return $"{path}.{key} unexpected";
                }
                return null;
            case (JsonArray e, JsonArray a):
                if (e.Count != a.Count) return $"{path} has {a.Count} items, expected {e.Count}";
                for (var i = 0; i < e.Count; i++)
                {
                    var diff = FirstDifference(e[i], a[i], $"{path}[{i}]");
                    if (diff is not null) return diff;
                }
                return null;
            case (JsonValue e, JsonValue a):
                return e.ToJsonString() == a.ToJsonString() ? null : $"{path}: {a.ToJsonString()} instead of {e.ToJsonString()}";
            default:
                return $"{path}: {actual?.ToJsonString() ?? "null"} instead of {expected?.ToJsonString() ?? "null"}";
        }
    }
}
