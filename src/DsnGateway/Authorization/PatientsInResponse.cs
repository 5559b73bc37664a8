using System.Text.Json;

namespace DsnGateway.Authorization;

/// <summary>
/// The patients a FHIR response body shows: a Patient's own id, the subject of an order or procedure, and
/// the same for every entry of a Bundle. Read from the JSON as it goes out, so the audit names exactly
/// what was disclosed.
/// </summary>
public static class PatientsInResponse
{
    public static IReadOnlyList<string> Find(ReadOnlySpan<byte> json)
    {
        var found = new SortedSet<string>(StringComparer.Ordinal);
        try
        {
            using var document = JsonDocument.Parse(json.ToArray());
            Visit(document.RootElement, found);
        }
        catch (JsonException)
        {
            // Not JSON: nothing to name.
        }
        return [.. found];
    }

    private static void Visit(JsonElement resource, SortedSet<string> found)
    {
        if (resource.ValueKind != JsonValueKind.Object || !resource.TryGetProperty("resourceType", out var typeElement)) return;
        switch (typeElement.GetString())
        {
            case "Patient" when resource.TryGetProperty("id", out var id):
                found.Add("Patient/" + id.GetString());
                break;
            case "Bundle" when resource.TryGetProperty("entry", out var entries) && entries.ValueKind == JsonValueKind.Array:
                foreach (var entry in entries.EnumerateArray())
                {
                    if (entry.TryGetProperty("resource", out var inner)) Visit(inner, found);
                }
                break;
            case "AuditEvent" or "OperationOutcome" or "CapabilityStatement":
                break;
            default:
                foreach (var name in new[] { "subject", "patient" })
                {
                    if (resource.TryGetProperty(name, out var reference) && reference.ValueKind == JsonValueKind.Object
                        && reference.TryGetProperty("reference", out var value) && value.GetString() is { } text)
                    {
                        var at = text.LastIndexOf("Patient/", StringComparison.Ordinal);
                        if (at >= 0) found.Add(text[at..]);
                    }
                }
                break;
        }
    }
}
