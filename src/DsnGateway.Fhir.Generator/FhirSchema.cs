using System.Text.Json;

namespace DsnGateway.Fhir.Generator;

/// <summary>The parts of the official R4 JSON schema the emitter needs.</summary>
public sealed class FhirSchema
{
    private readonly Dictionary<string, JsonElement> _definitions;

    private FhirSchema(Dictionary<string, JsonElement> definitions) => _definitions = definitions;

    public static FhirSchema Load(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        var defs = doc.RootElement.GetProperty("definitions").EnumerateObject()
            .ToDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.Ordinal);
        return new FhirSchema(defs);
    }

    public JsonElement this[string name] => _definitions[name];

    public bool IsPrimitive(string name) =>
        _definitions.TryGetValue(name, out var def)
        && !def.TryGetProperty("properties", out _)
        && !def.TryGetProperty("oneOf", out _);

    public string Description(string name) =>
        _definitions[name].TryGetProperty("description", out var d) ? d.GetString() ?? "" : "";
}
