using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Hl7.Fhir.Utility;
using Task = System.Threading.Tasks.Task;

namespace DsnGateway.Fhir.Serialization;

/// <summary>
/// FHIR R4 JSON through Firely's System.Text.Json converters: the one way this product reads and writes resources.
/// Parsing is Firely's strict default: an unknown element, an empty string, a code outside its required value set,
/// a malformed date, two variants of one choice element, a name in the wrong case or unsafe narrative XHTML are errors, never dropped or repaired (docs/arch/0019).
/// </summary>
public static class FhirJson
{
    public static readonly JsonSerializerOptions Options = CreateOptions(writeIndented: false);
    public static readonly JsonSerializerOptions IndentedOptions = CreateOptions(writeIndented: true);

    private static JsonSerializerOptions CreateOptions(bool writeIndented)
    {
        var options = new JsonSerializerOptions
        {
            MaxDepth = 128,
            // Accents in names and addresses are written as themselves, not \u escapes.
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        }.ForFhir()
            // Firely's default mode forgives names in the wrong case ("Active", "patient") and binds them; the strict
            // mode refuses them, as this product always has, and also checks narrative XHTML against FHIR's rules.
            .UsingMode(DeserializationMode.Strict);
        if (writeIndented)
            options = options.Pretty();
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    /// <summary>Parses any R4 resource; the JSON's <c>resourceType</c> decides its class.</summary>
    /// <exception cref="FhirParseException">the JSON is not a valid resource: every problem Firely found, with its element path.</exception>
    public static Resource Parse(ReadOnlySpan<byte> utf8Json) => Parse<Resource>(utf8Json);

    public static Resource Parse(string json) => Parse<Resource>(json);

    public static T Parse<T>(string json) where T : Resource => Parse<T>(System.Text.Encoding.UTF8.GetBytes(json));

    /// <summary>Parses a resource that must be of type <typeparamref name="T"/>.</summary>
    public static T Parse<T>(ReadOnlySpan<byte> utf8Json) where T : Resource
    {
        Resource? resource;
        try
        {
            resource = JsonSerializer.Deserialize<Resource>(utf8Json, Options);
        }
        catch (DeserializationFailedException ex)
        {
            throw FhirParseException.From(ex);
        }
        catch (JsonException ex)
        {
            throw new FhirParseException([new FhirParseIssue(JsonPath(ex.Path), $"The body is not valid JSON: {FirstSentence(ex.Message)}")], ex);
        }
        catch (InvalidOperationException ex)
        {
            // Firely's converter refuses a top-level array or primitive this way.
            throw new FhirParseException([new FhirParseIssue("(root)", "The body is not a JSON object with a resourceType.")], ex);
        }
        if (resource is null)
            throw new FhirParseException([new FhirParseIssue("(root)", "The body is JSON null, not a resource.")]);
        if (SecondResourceType(utf8Json) is { } second)
            throw new FhirParseException([new FhirParseIssue("(root)", $"An object gives its resourceType twice; the second says '{second}'.")]);
        return resource as T ?? throw new FhirParseException(
            [new FhirParseIssue("resourceType", $"Expected a {ModelInfo.GetFhirTypeNameForType(typeof(T)) ?? typeof(T).Name} but the resourceType is {resource.TypeName}.")]);
    }

    public static string Serialize(Resource resource, bool indented = false) =>
        JsonSerializer.Serialize(resource, indented ? IndentedOptions : Options);

    public static byte[] SerializeToUtf8Bytes(Resource resource) =>
        JsonSerializer.SerializeToUtf8Bytes(resource, Options);

    public static Task SerializeAsync(Stream stream, Resource resource, bool indented, CancellationToken cancellationToken) =>
        JsonSerializer.SerializeAsync(stream, resource, indented ? IndentedOptions : Options, cancellationToken);

    /// <summary>A deep copy, so that stored and returned objects never share state.</summary>
    public static T DeepCopy<T>(T resource) where T : Resource => (T)resource.DeepCopy();

    // Firely keeps the first of two resourceType properties and drops the second without a word; a body that says
    // it is two things is refused instead. One forward pass over the bytes, on writes only.
    private static string? SecondResourceType(ReadOnlySpan<byte> utf8Json)
    {
        var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { MaxDepth = 128 });
        Span<bool> seen = stackalloc bool[130];
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    seen[reader.CurrentDepth] = false;
                    break;
                case JsonTokenType.PropertyName when reader.ValueTextEquals("resourceType"u8):
                    var depth = reader.CurrentDepth - 1;
                    if (seen[depth])
                        return reader.Read() && reader.TokenType == JsonTokenType.String ? reader.GetString() : reader.TokenType.ToString();
                    seen[depth] = true;
                    break;
            }
        }
        return null;
    }

    private static string JsonPath(string? path) =>
        string.IsNullOrEmpty(path) || path == "$" ? "(root)" : path.TrimStart('$').TrimStart('.');

    private static string FirstSentence(string message)
    {
        var index = message.IndexOf(" Path: ", StringComparison.Ordinal);
        return index > 0 ? message[..index] : message;
    }
}
