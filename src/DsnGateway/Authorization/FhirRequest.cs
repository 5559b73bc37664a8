namespace DsnGateway.Authorization;

/// <summary>What a request under /fhir asks for, in FHIR terms.</summary>
internal sealed record FhirRequest(
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

    /// <summary>The <c>If-None-Exist</c> condition of a conditional create (the store answers the match when there is one).</summary>
    public string? IfNoneExist { get; init; }

    /// <summary>An update addressed by a search condition (PUT Patient?identifier=...); a conditional create carries <see cref="IfNoneExist"/>.</summary>
    public bool IsConditional => Id is null && Interaction == Update;

    /// <summary>
    /// Classifies a path relative to the FHIR base (e.g. "Patient/1/_history/2") and method. The literal parts
    /// (the method, <c>_history</c>, <c>_search</c>, <c>metadata</c>) are compared without regard to case, as
    /// ASP.NET Core routing matches them: a request the store would route as a history or a search must be
    /// classified as one here, or it would escape the checks of its interaction.
    /// </summary>
    public static FhirRequest Classify(string method, string relativePath, IReadOnlyList<KeyValuePair<string, string>> query)
    {
        var verb = method.ToUpperInvariant();
        var segments = relativePath.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        bool Is(int index, string literal) => string.Equals(segments[index], literal, StringComparison.OrdinalIgnoreCase);
        string Kind() => (verb, segments.Length) switch
        {
            ("POST", 0) => Transaction,
            ("GET", 1) when Is(0, "metadata") => Capabilities,
            ("GET", 1) => Search,
            ("POST", 2) when Is(1, "_search") => Search,
            ("POST", 1) => Create,
            ("PUT", 1) => Update,
            ("GET", 2) => Read,
            ("PUT", 2) => Update,
            ("DELETE", 2) => Delete,
            ("GET", 3) when Is(2, "_history") => History,
            ("GET", 3) when segments[2].StartsWith('$') => Operation,
            ("GET", 4) when Is(2, "_history") => VRead,
            _ => Unknown,
        };
        var interaction = Kind();
        var type = segments.Length > 0 && interaction is not (Transaction or Capabilities) ? segments[0] : null;
        var id = segments.Length >= 2 && interaction != Search ? segments[1] : null;
        return new FhirRequest(interaction, type, id, query);
    }
}
