using FirelyModel = Hl7.Fhir.Model;

namespace DsnGateway.RecordStore.Search;

/// <summary>
/// The official R4 SearchParameter definitions as Firely's SDK ships them (<c>ModelInfo.SearchParameters</c>): the
/// registry names the codes it offers, and their type, expression, targets and canonical URL come from here, so
/// no hand-kept copy of the specification can drift from it.
/// </summary>
public static class OfficialSearchParameters
{
    /// <summary>
    /// The resource-level parameters of R4 (Resource-id, Resource-lastUpdated, ...): Firely's ModelInfo carries only
    /// those of concrete types, so these four are written here as the specification defines them; a test compares
    /// them with the official SearchParameter resources in shared/.
    /// </summary>
    private static readonly Dictionary<string, Official> ResourceLevel = new(StringComparer.Ordinal)
    {
        ["_id"] = new("_id", SearchParamType.Token, "Resource.id", "http://hl7.org/fhir/SearchParameter/Resource-id", []),
        ["_lastUpdated"] = new("_lastUpdated", SearchParamType.Date, "Resource.meta.lastUpdated", "http://hl7.org/fhir/SearchParameter/Resource-lastUpdated", []),
        ["_security"] = new("_security", SearchParamType.Token, "Resource.meta.security", "http://hl7.org/fhir/SearchParameter/Resource-security", []),
        ["_tag"] = new("_tag", SearchParamType.Token, "Resource.meta.tag", "http://hl7.org/fhir/SearchParameter/Resource-tag", []),
    };

    /// <summary>What the registry takes from one official definition.</summary>
    public sealed record Official(string Code, SearchParamType Type, string Expression, string Url, IReadOnlyList<string> Targets);

    /// <summary>The official definition of <paramref name="code"/> on <paramref name="resourceType"/>; throws when R4 has none.</summary>
    public static Official Find(string resourceType, string code)
    {
        if (ResourceLevel.TryGetValue(code, out var resourceLevel)) return resourceLevel;

        var definition = FirelyModel.ModelInfo.SearchParameters.SingleOrDefault(d => d.Resource == resourceType && d.Code == code)
            ?? throw new InvalidOperationException($"R4 defines no search parameter '{code}' on {resourceType}.");
        var type = definition.Type switch
        {
            FirelyModel.SearchParamType.Token => SearchParamType.Token,
            FirelyModel.SearchParamType.String => SearchParamType.String,
            FirelyModel.SearchParamType.Date => SearchParamType.Date,
            FirelyModel.SearchParamType.Reference => SearchParamType.Reference,
            // The store indexes these four kinds; offering another needs an index and a query of its own first.
            _ => throw new InvalidOperationException($"{resourceType}.{code} is of type {definition.Type}, which the store does not index."),
        };
        return new Official(code, type, Narrow(definition.Expression!, resourceType), definition.Url!,
            (definition.Target ?? []).Select(t => t.ToString()).ToList());
    }

    /// <summary>
    /// The branches of an expression that apply to one type: clinical-code, say, is written once for fifteen types
    /// (<c>AllergyIntolerance.code | ... | Procedure.code | ...</c>) and only <c>Procedure.code</c> concerns a Procedure.
    /// </summary>
    public static string Narrow(string expression, string resourceType)
    {
        var branches = expression.Split(" | ", StringSplitOptions.TrimEntries)
            .Where(b => b.StartsWith(resourceType + ".", StringComparison.Ordinal) || b.StartsWith("(" + resourceType + ".", StringComparison.Ordinal))
            .ToList();
        return branches.Count > 0 ? string.Join(" | ", branches)
            : throw new InvalidOperationException($"The expression '{expression}' has no branch for {resourceType}.");
    }
}
