using System.Text.Json;
using DsnGateway.Mapping.Establishments;

namespace DsnGateway.Mapping.Codes;

/// <summary>
/// Reads <c>config/code-maps.json</c>, per establishment:
/// <code>
/// {
///   "NIM": {
///     "drugs":      [ { "code": "ACET500", "system": "PHARMNIM", "din": "02229873", "display": "..." } ],
///     "procedures": [ { "code": "APPLAP",  "cci": "1.NT.89.DA", "display": "..." } ]
///   }
/// }
/// </code>
/// <c>system</c> (the sender's CWE.3, or the code-system column of a CSV layout) is optional: without it the entry
/// applies to the code under any local system. A missing file is an empty map; a wrong one is a start-up error
/// naming the problem, since half-understood maps would mislabel drugs.
/// </summary>
public static class CodeMapConfiguration
{
    public const string FileName = "code-maps.json";

    private static readonly JsonDocumentOptions Options = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    public static CodeMap Load(string path, EstablishmentRegistry establishments)
    {
        if (!File.Exists(path)) return CodeMap.Empty;
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CodeMapConfigurationException($"Cannot read the code maps {path}: {ex.Message}", ex);
        }
        return Parse(json, establishments, path);
    }

    public static CodeMap Parse(string json, EstablishmentRegistry establishments, string source = FileName)
    {
        ArgumentNullException.ThrowIfNull(establishments);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, Options);
        }
        catch (JsonException ex)
        {
            throw new CodeMapConfigurationException($"{source} is not valid JSON: {ex.Message}", ex);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new CodeMapConfigurationException($"{source}: expected an object keyed by establishment code.");
            var entries = new List<CodeMapEntry>();
            foreach (var establishment in document.RootElement.EnumerateObject())
            {
                if (establishment.Name.StartsWith('$')) continue; // "$comment" and the like
                var known = establishments.ByCode(establishment.Name)
                    ?? throw new CodeMapConfigurationException($"{source}: establishment '{establishment.Name}' is not in the sender registry.");
                if (establishment.Value.ValueKind != JsonValueKind.Object)
                    throw new CodeMapConfigurationException($"{source}: {establishment.Name} must be an object with \"drugs\" and/or \"procedures\".");
                foreach (var section in establishment.Value.EnumerateObject())
                {
                    var (kind, standardField) = section.Name switch
                    {
                        "drugs" => (CodeKind.Drug, "din"),
                        "procedures" => (CodeKind.Procedure, "cci"),
                        _ => throw new CodeMapConfigurationException($"{source}: {establishment.Name} has an unknown section '{section.Name}' (drugs or procedures)."),
                    };
                    if (section.Value.ValueKind != JsonValueKind.Array)
                        throw new CodeMapConfigurationException($"{source}: {establishment.Name}.{section.Name} must be an array.");
                    var index = 0;
                    foreach (var item in section.Value.EnumerateArray())
                    {
                        var where = $"{source}: {establishment.Name}.{section.Name}[{index++}]";
                        var code = Text(item, "code") ?? throw new CodeMapConfigurationException($"{where} has no \"code\".");
                        var standard = Text(item, standardField) ?? throw new CodeMapConfigurationException($"{where} has no \"{standardField}\".");
                        if (kind == CodeKind.Drug && (standard.Length != 8 || !standard.All(char.IsAsciiDigit)))
                            throw new CodeMapConfigurationException($"{where}: DIN '{standard}' is not 8 digits.");
                        // It is written as a FHIR code: one FHIR cannot hold would make every Bundle using it unreadable.
                        if (!FhirCodes.IsCode(standard))
                            throw new CodeMapConfigurationException($"{where}: {FhirCodes.NotACode(standardField.ToUpperInvariant(), standard)}.");
                        entries.Add(new CodeMapEntry(known.Code, kind, code, Text(item, "system"), standard, Text(item, "display")));
                    }
                }
            }
            try
            {
                return new CodeMap(entries);
            }
            catch (ArgumentException ex)
            {
                throw new CodeMapConfigurationException($"{source}: {ex.Message}", ex);
            }
        }
    }

    private static string? Text(JsonElement item, string name) =>
        item.ValueKind == JsonValueKind.Object && item.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
        && !string.IsNullOrWhiteSpace(value.GetString())
            ? value.GetString()!.Trim()
            : null;
}

/// <summary>The code maps cannot be used; the message says what to fix.</summary>
public sealed class CodeMapConfigurationException : Exception
{
    public CodeMapConfigurationException(string message) : base(message) { }

    public CodeMapConfigurationException(string message, Exception inner) : base(message, inner) { }
}
