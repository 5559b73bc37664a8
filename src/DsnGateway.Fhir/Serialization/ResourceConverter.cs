using System.Text.Json;
using System.Text.Json.Serialization;
using DsnGateway.Fhir.Model;

namespace DsnGateway.Fhir.Serialization;

/// <summary>
/// Reads and writes a <see cref="Resource"/> whose concrete type is named by its <c>resourceType</c>,
/// wherever that property stands in the object (FHIR does not require it first).
/// </summary>
internal sealed class ResourceConverter : JsonConverter<Resource>
{
    public override Resource? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("A resource must be a JSON object.");
        }
        var typeName = PeekResourceType(reader)
            ?? throw new JsonException("The resource has no resourceType.");
        if (!ModelInfo.ResourceTypes.TryGetValue(typeName, out var type))
        {
            throw new FhirUnsupportedResourceTypeException(typeName);
        }
        return (Resource?)JsonSerializer.Deserialize(ref reader, type, options);
    }

    public override void Write(Utf8JsonWriter writer, Resource value, JsonSerializerOptions options) =>
        JsonSerializer.Serialize(writer, value, value.GetType(), options);

    private static string? PeekResourceType(Utf8JsonReader reader)
    {
        // The reader is a copy: scanning it leaves the caller's position untouched.
        var depth = reader.CurrentDepth;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth) return null;
            if (reader.TokenType != JsonTokenType.PropertyName) continue;
            var isResourceType = reader.ValueTextEquals("resourceType"u8);
            reader.Read();
            if (isResourceType)
            {
                return reader.TokenType == JsonTokenType.String
                    ? reader.GetString()
                    : throw new JsonException("resourceType must be a string.");
            }
            reader.Skip();
        }
        return null;
    }
}

/// <summary>A resource of a type this model does not carry.</summary>
public sealed class FhirUnsupportedResourceTypeException(string resourceType)
    : JsonException($"Resource type '{resourceType}' is not supported.")
{
    public string ResourceType { get; } = resourceType;
}
