using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using DsnGateway.Fhir.Model;

namespace DsnGateway.Fhir.Serialization;

/// <summary>FHIR R4 JSON: the one way this product reads and writes resources.</summary>
public static class FhirJson
{
    public static readonly JsonSerializerOptions Options = CreateOptions(writeIndented: false);
    public static readonly JsonSerializerOptions IndentedOptions = CreateOptions(writeIndented: true);

    private static JsonSerializerOptions CreateOptions(bool writeIndented)
    {
        var options = new JsonSerializerOptions
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            // An element we do not know is an error, never silently dropped.
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            NumberHandling = JsonNumberHandling.Strict,
            PropertyNameCaseInsensitive = false,
            WriteIndented = writeIndented,
            MaxDepth = 128,
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { FhirContract.Apply } },
        };
        options.Converters.Add(new ResourceConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    /// <summary>Parses any resource this model knows; the JSON's <c>resourceType</c> decides its class.</summary>
    /// <exception cref="FhirParseException">the JSON is not a valid resource of a known type.</exception>
    public static Resource Parse(ReadOnlySpan<byte> utf8Json)
    {
        try
        {
            return JsonSerializer.Deserialize<Resource>(utf8Json, Options)
                ?? throw new FhirParseException("The body is JSON null, not a resource.", "$");
        }
        catch (JsonException ex)
        {
            throw FhirParseException.From(ex);
        }
    }

    public static Resource Parse(string json) => Parse(System.Text.Encoding.UTF8.GetBytes(json));

    /// <summary>Parses a resource that must be of type <typeparamref name="T"/>.</summary>
    public static T Parse<T>(string json) where T : Resource
    {
        var resource = Parse(json);
        return resource as T ?? throw new FhirParseException(
            $"Expected a {typeof(T).Name} but the resourceType is {resource.ResourceTypeName}.", "resourceType");
    }

    public static string Serialize(Resource resource, bool indented = false) =>
        JsonSerializer.Serialize(resource, indented ? IndentedOptions : Options);

    public static byte[] SerializeToUtf8Bytes(Resource resource) =>
        JsonSerializer.SerializeToUtf8Bytes(resource, Options);

    public static Task SerializeAsync(Stream stream, Resource resource, bool indented, CancellationToken cancellationToken) =>
        JsonSerializer.SerializeAsync(stream, resource, indented ? IndentedOptions : Options, cancellationToken);

    /// <summary>A deep copy, through JSON, so that stored and returned objects never share state.</summary>
    public static T DeepCopy<T>(T resource) where T : Resource =>
        (T)Parse(SerializeToUtf8Bytes(resource));
}
