using System.Text.Json;
using System.Text.RegularExpressions;

namespace DsnGateway.Fhir.Serialization;

/// <summary>The input is not valid FHIR JSON; <see cref="ElementPath"/> says where, in FHIRPath-like form.</summary>
public sealed partial class FhirParseException : Exception
{
    public FhirParseException(string message, string elementPath, Exception? inner = null)
        : base(message, inner)
    {
        ElementPath = elementPath;
    }

    /// <summary>
    /// Where the problem is, from the root resource down, e.g. <c>contact[0].foo</c> or
    /// <c>entry[0].resource.name[0].foo</c>; <c>(root)</c> for the body as a whole.
    /// </summary>
    public string ElementPath { get; }

    internal static FhirParseException From(JsonException thrown)
    {
        var path = thrown.Path ?? "$";
        var ex = thrown;
        if (thrown is NestedResourceJsonException nested)
        {
            // Found inside a Bundle entry's or a contained resource: the path is where that resource
            // stands followed by the path within it.
            path += nested.RelativePath;
            ex = nested.Original;
        }
        var message = ex.Message;
        var unmapped = UnmappedProperty().Match(ex.Message);
        if (unmapped.Success)
        {
            var property = unmapped.Groups["name"].Value;
            path = path.EndsWith("." + property, StringComparison.Ordinal) || path.EndsWith("['" + property + "']", StringComparison.Ordinal)
                ? path
                : path + "." + property;
            message = $"Unknown element '{property}' at {ToElementPath(path)}.";
        }
        else if (ex.InnerException is not null && ex.Message.StartsWith("The JSON value could not be converted", StringComparison.Ordinal))
        {
            message = $"Invalid value at {ToElementPath(path)}.";
        }
        else if (ex is FhirUnsupportedResourceTypeException)
        {
            message = ex.Message;
        }
        else
        {
            message = $"Invalid FHIR JSON at {ToElementPath(path)}: {StripPathSuffix(ex.Message)}";
        }
        return new FhirParseException(message, ToElementPath(path), ex);
    }

    private static string ToElementPath(string jsonPath) =>
        jsonPath == "$" ? "(root)" : jsonPath.TrimStart('$').TrimStart('.');

    private static string StripPathSuffix(string message)
    {
        var index = message.IndexOf(" Path: ", StringComparison.Ordinal);
        return index > 0 ? message[..index] : message;
    }

    [GeneratedRegex("The JSON property '(?<name>[^']+)' could not be mapped")]
    private static partial Regex UnmappedProperty();
}
