using DsnGateway.Fhir.Primitives;

namespace DsnGateway.RecordStore.Search;

/// <summary>A parsed search: what to match (criteria, all of which must hold) and how to return it.</summary>
public sealed record SearchQuery(
    string ResourceType,
    IReadOnlyList<SearchCriterion> Criteria,
    SearchResultOptions Options,
    IReadOnlyList<string> IgnoredParameters)
{
    /// <summary>The same search, restricted further (used by callers that confine what may be seen).</summary>
    public SearchQuery And(IEnumerable<SearchCriterion> more) => this with { Criteria = [.. Criteria, .. more] };
}

/// <summary>
/// One parameter of a search. Its values are alternatives (a comma in the query); <see cref="Chain"/>
/// is set for a chained parameter such as <c>subject:Patient.identifier</c>.
/// </summary>
public sealed record SearchCriterion(
    SearchParameterDefinition Parameter,
    string? Modifier,
    IReadOnlyList<SearchValue> Values,
    string? ChainTargetType = null,
    SearchCriterion? Chain = null)
{
    public bool IsNegated => Modifier == "not";
}

public abstract record SearchValue;

/// <summary><c>system|code</c>: a null system matches any system, an empty one only codes without; a null code any code of the system.</summary>
public sealed record TokenValue(string? System, string? Code) : SearchValue;

public sealed record StringValue(string Text) : SearchValue;

public sealed record DateValue(DatePrefix Prefix, PartialDateTime Date) : SearchValue;

public sealed record ReferenceValue(string? Type, string Id) : SearchValue;

public enum DatePrefix
{
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Sa,
    Eb,
}

public enum SummaryMode
{
    None,
    Count,
}

public enum TotalMode
{
    Accurate,
    None,
}

/// <summary>One <c>_include</c> or <c>_revinclude</c>: resources of <see cref="SourceType"/> through <see cref="Parameter"/>.</summary>
public sealed record IncludeSpec(string SourceType, SearchParameterDefinition Parameter, string? TargetType);

public sealed record SortSpec(SearchParameterDefinition Parameter, bool Descending);

public sealed record SearchResultOptions(
    int Count,
    SortSpec? Sort,
    IReadOnlyList<IncludeSpec> Includes,
    IReadOnlyList<IncludeSpec> RevIncludes,
    SummaryMode Summary,
    TotalMode Total,
    PageCursor? Cursor);
