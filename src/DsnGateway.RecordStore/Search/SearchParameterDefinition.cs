using DsnGateway.RecordStore.Indexing;
using Hl7.Fhir.Model;

namespace DsnGateway.RecordStore.Search;

/// <summary>
/// A search parameter of one resource type: its code, type, expression and canonical URL as in the official R4
/// definition (<see cref="OfficialSearchParameters"/>), and how its values are taken from a resource (that
/// expression compiled by hand into C# over Firely's POCOs, for speed; a test holds the two equal on the official examples).
/// A parameter of the project's own has no <see cref="DefinitionUrl"/>.
/// </summary>
public sealed class SearchParameterDefinition
{
    public SearchParameterDefinition(
        string resourceType,
        string name,
        SearchParamType type,
        string expression,
        Func<Resource, IEnumerable<IndexEntry>> extract,
        IReadOnlyList<string>? targets = null,
        string? definitionUrl = null)
    {
        ResourceType = resourceType;
        Name = name;
        Type = type;
        Expression = expression;
        Extract = extract;
        Targets = targets ?? [];
        DefinitionUrl = definitionUrl;
    }

    public string ResourceType { get; }
    public string Name { get; }
    public SearchParamType Type { get; }

    /// <summary>
    /// The FHIRPath of the official definition, narrowed to this resource type's branches (the shared definitions
    /// such as clinical-code name a dozen types); for a parameter of our own, our expression.
    /// </summary>
    public string Expression { get; }

    /// <summary>The canonical URL of the official R4 SearchParameter; null for a parameter of the project's own.</summary>
    public string? DefinitionUrl { get; }

    /// <summary>True for a parameter the project defines (not in R4), such as linked-identifier.</summary>
    public bool IsProjectOwn => DefinitionUrl is null;

    public Func<Resource, IEnumerable<IndexEntry>> Extract { get; }

    /// <summary>For references: the resource types the parameter may point at.</summary>
    public IReadOnlyList<string> Targets { get; }

    /// <summary>
    /// For a parameter of ours (not in R4): the parameter whose values it unites, taken from the resource itself and
    /// from every resource it points at through <see cref="Through"/> (e.g. a Patient's identifiers and those of the
    /// Patients its links name). Nothing is indexed for it; the query joins what is indexed for the other two.
    /// </summary>
    public SearchParameterDefinition? UnionOf { get; init; }

    /// <summary>The reference parameter <see cref="UnionOf"/> is followed through (one step).</summary>
    public SearchParameterDefinition? Through { get; init; }

    /// <summary>Parameters answered from the resource row itself (_id, _lastUpdated), not from index tables.</summary>
    public bool IsRowColumn => Name is "_id" or "_lastUpdated";
}
