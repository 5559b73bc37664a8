using System.Text;
using Dapper;
using DsnGateway.RecordStore.Indexing;
using DsnGateway.RecordStore.Search;

namespace DsnGateway.RecordStore.Storage;

/// <summary>
/// Translates a <see cref="SearchQuery"/> into SQL over the resource and search-index tables. The SQL is
/// plain enough for SQLite and PostgreSQL alike. Every restriction (a caller's scope, a chained identifier,
/// a security label) becomes part of the WHERE clause, so counts and pages only ever see matching rows.
/// </summary>
public sealed class SqlSearchBuilder
{
    private readonly DynamicParameters _parameters = new();
    private int _next;
    private int _aliases;

    public DynamicParameters Parameters => _parameters;

    public string Parameter(object? value)
    {
        var name = "@p" + _next++;
        _parameters.Add(name, value);
        return name;
    }

    /// <summary>The WHERE clause (without the keyword) that selects current resources matching the query.</summary>
    public string Where(SearchQuery query, string alias)
    {
        var sb = new StringBuilder();
        sb.Append($"{alias}.type = {Parameter(query.ResourceType)} AND {alias}.deleted = 0");
        foreach (var criterion in query.Criteria)
        {
            sb.Append(" AND ").Append(Criterion(criterion, alias));
        }
        return sb.ToString();
    }

    /// <summary>The expression a page is ordered by: 0 (creation order alone), the last update, or a date parameter.</summary>
    public string SortExpression(SortSpec? sort, string alias)
    {
        if (sort is null) return "0";
        if (sort.Parameter.Name == "_lastUpdated") return $"{alias}.last_updated";
        var param = Parameter(sort.Parameter.Name);
        // Resources without the value sort last in either direction.
        return sort.Descending
            ? $"COALESCE((SELECT MAX(d.high) FROM search_date d WHERE d.type = {alias}.type AND d.id = {alias}.id AND d.param = {param}), {long.MinValue})"
            : $"COALESCE((SELECT MIN(d.low) FROM search_date d WHERE d.type = {alias}.type AND d.id = {alias}.id AND d.param = {param}), {long.MaxValue})";
    }

    private string Criterion(SearchCriterion criterion, string alias)
    {
        var parameter = criterion.Parameter;
        if (criterion.Chain is not null)
        {
            var target = "c" + _aliases++;
            return $"EXISTS (SELECT 1 FROM search_reference x JOIN resource {target} ON {target}.type = x.target_type AND {target}.id = x.target_id AND {target}.deleted = 0 " +
                   $"WHERE x.type = {alias}.type AND x.id = {alias}.id AND x.param = {Parameter(parameter.Name)} AND x.target_type = {Parameter(criterion.ChainTargetType)} " +
                   $"AND {Criterion(criterion.Chain, target)})";
        }

        if (parameter.UnionOf is { } own)
        {
            // The resource's own values, or those of a resource it points at: one EXISTS each, negated as a whole.
            var positive = criterion with { Parameter = own, Modifier = criterion.IsNegated ? null : criterion.Modifier };
            var linked = "l" + _aliases++;
            var target = "c" + _aliases++;
            var union = $"({Criterion(positive, alias)} OR EXISTS (SELECT 1 FROM search_reference {linked} JOIN resource {target} " +
                        $"ON {target}.type = {linked}.target_type AND {target}.id = {linked}.target_id AND {target}.deleted = 0 " +
                        $"WHERE {linked}.type = {alias}.type AND {linked}.id = {alias}.id AND {linked}.param = {Parameter(parameter.Through!.Name)} " +
                        $"AND {target}.type = {alias}.type AND {Criterion(positive, target)}))";
            return criterion.IsNegated ? "NOT " + union : union;
        }

        if (parameter.Name == "_id")
        {
            var ids = string.Join(", ", criterion.Values.Cast<TokenValue>().Select(v => Parameter(v.Code ?? "")));
            return criterion.IsNegated ? $"{alias}.id NOT IN ({ids})" : $"{alias}.id IN ({ids})";
        }
        if (parameter.Name == "_lastUpdated")
        {
            return "(" + string.Join(" OR ", criterion.Values.Cast<DateValue>().Select(v => DateCondition(v, $"{alias}.last_updated", $"{alias}.last_updated"))) + ")";
        }

        var (table, column) = parameter.Type switch
        {
            SearchParamType.Token => ("search_token", "t"),
            SearchParamType.String => ("search_string", "s"),
            SearchParamType.Date => ("search_date", "d"),
            SearchParamType.Reference => ("search_reference", "x"),
            _ => throw new InvalidOperationException(),
        };
        var conditions = string.Join(" OR ", criterion.Values.Select(v => ValueCondition(criterion, v, column)));
        var exists = $"EXISTS (SELECT 1 FROM {table} {column} WHERE {column}.type = {alias}.type AND {column}.id = {alias}.id " +
                     $"AND {column}.param = {Parameter(parameter.Name)} AND ({conditions}))";
        return criterion.IsNegated ? "NOT " + exists : exists;
    }

    private string ValueCondition(SearchCriterion criterion, SearchValue value, string c) => value switch
    {
        TokenValue { System: null } t => $"{c}.code = {Parameter(t.Code)}",
        TokenValue { Code: null } t => $"{c}.system = {Parameter(t.System)}",
        TokenValue t => $"({c}.system = {Parameter(t.System)} AND {c}.code = {Parameter(t.Code)})",
        StringValue s => criterion.Modifier switch
        {
            "exact" => $"{c}.exact = {Parameter(s.Text)}",
            "contains" => $"{c}.folded LIKE {Parameter("%" + EscapeLike(TextFolding.Fold(s.Text)) + "%")} ESCAPE '\\'",
            _ => $"{c}.folded LIKE {Parameter(EscapeLike(TextFolding.Fold(s.Text)) + "%")} ESCAPE '\\'",
        },
        DateValue d => DateCondition(d, $"{c}.low", $"{c}.high"),
        ReferenceValue { Type: null } r => $"{c}.target_id = {Parameter(r.Id)}",
        ReferenceValue r => $"({c}.target_type = {Parameter(r.Type)} AND {c}.target_id = {Parameter(r.Id)})",
        _ => throw new InvalidOperationException($"unhandled search value {value}"),
    };

    /// <summary>The FHIR date prefixes over ranges: the stored [low, high] against the searched [lo, hi].</summary>
    private string DateCondition(DateValue value, string low, string high)
    {
        var lo = Parameter(DateBounds.ToLow(value.Date.Start));
        var hi = Parameter(DateBounds.ToHigh(value.Date.End));
        var within = $"({low} >= {lo} AND {high} <= {hi})";
        return value.Prefix switch
        {
            DatePrefix.Eq => within,
            DatePrefix.Ne => $"NOT {within}",
            DatePrefix.Gt => $"{high} > {hi}",
            DatePrefix.Lt => $"{low} < {lo}",
            DatePrefix.Ge => $"({high} > {hi} OR {within})",
            DatePrefix.Le => $"({low} < {lo} OR {within})",
            DatePrefix.Sa => $"{low} > {hi}",
            DatePrefix.Eb => $"{high} < {lo}",
            _ => throw new InvalidOperationException(),
        };
    }

    private static string EscapeLike(string value) =>
        value.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_");
}
