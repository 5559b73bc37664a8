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
        try
        {
            return (Resource?)JsonSerializer.Deserialize(ref reader, type, options);
        }
        catch (JsonException ex) when (ex.Path is not null)
        {
            // The nested call knows the path only from this resource down (`$.foo`). Rethrown without a
            // path, the enclosing call adds where this resource stands (`$.entry[0].resource`).
            throw NestedResourceJsonException.Wrap(ex);
        }
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

/// <summary>
/// A <see cref="JsonException"/> from inside a resource nested in another (a Bundle entry's, a contained one),
/// carrying the path within that resource so that <see cref="FhirParseException"/> can give the whole path.
/// </summary>
internal sealed class NestedResourceJsonException : JsonException
{
    private NestedResourceJsonException(JsonException original, string relativePath)
        : base(original.Message, original)
    {
        Original = original;
        RelativePath = relativePath;
    }

    /// <summary>The exception where the problem was found.</summary>
    public JsonException Original { get; }

    /// <summary>The JSON path below the nested resource, without the leading <c>$</c>: <c>.contact[0].foo</c>.</summary>
    public string RelativePath { get; }

    public static NestedResourceJsonException Wrap(JsonException ex)
    {
        var here = ex.Path is { Length: > 0 } path && path[0] == '$' ? path[1..] : ex.Path ?? "";
        return ex is NestedResourceJsonException nested
            ? new NestedResourceJsonException(nested.Original, here + nested.RelativePath)
            : new NestedResourceJsonException(ex, here);
    }
}
