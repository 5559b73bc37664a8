namespace DsnGateway.Authorization;

/// <summary>What a request under /fhir asks for, in FHIR terms.</summary>
public sealed record FhirRequest(
    string Interaction,
    string? ResourceType,
    string? Id,
    IReadOnlyList<KeyValuePair<string, string>> Query)
{
    public const string Read = "read";
    public const string VRead = "vread";
    public const string History = "history-instance";
    public const string Search = "search-type";
    public const string Create = "create";
    public const string Update = "update";
    public const string Delete = "delete";
    public const string Operation = "operation";
    public const string Transaction = "transaction";
    public const string Capabilities = "capabilities";
    public const string Unknown = "unknown";

    /// <summary>An update or create addressed by a search condition (PUT Patient?identifier=...).</summary>
    public bool IsConditional => Id is null && Interaction == Update;

    /// <summary>Classifies a path relative to the FHIR base (e.g. "Patient/1/_history/2") and method.</summary>
    public static FhirRequest Classify(string method, string relativePath, IReadOnlyList<KeyValuePair<string, string>> query)
    {
        var segments = relativePath.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        string Kind() => (method, segments.Length) switch
        {
            ("POST", 0) => Transaction,
            ("GET", 1) when segments[0] == "metadata" => Capabilities,
            ("GET", 1) => Search,
            ("POST", 2) when segments[1] == "_search" => Search,
            ("POST", 1) => Create,
            ("PUT", 1) => Update,
            ("GET", 2) => Read,
            ("PUT", 2) => Update,
            ("DELETE", 2) => Delete,
            ("GET", 3) when segments[2] == "_history" => History,
            ("GET", 3) when segments[2].StartsWith('$') => Operation,
            ("GET", 4) when segments[2] == "_history" => VRead,
            _ => Unknown,
        };
        var interaction = Kind();
        var type = segments.Length > 0 && interaction is not (Transaction or Capabilities) ? segments[0] : null;
        var id = segments.Length >= 2 && segments[1] != "_search" ? segments[1] : null;
        return new FhirRequest(interaction, type, id, query);
    }
}
