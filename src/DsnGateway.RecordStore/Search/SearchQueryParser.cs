using System.Globalization;
using DsnGateway.Fhir.Outcomes;
using DsnGateway.Fhir.Primitives;

namespace DsnGateway.RecordStore.Search;

/// <summary>
/// Turns the query string of a FHIR search into a <see cref="SearchQuery"/>. What it does not support is an
/// error (400), or with <c>Prefer: handling=lenient</c> ignored and reported, never silently dropped.
/// </summary>
public sealed class SearchQueryParser
{
    public const int DefaultCount = 50;
    public const int MaxCount = 1000;

    /// <summary>Parameters that shape the answer rather than select resources; ignored here, handled by HTTP.</summary>
    private static readonly HashSet<string> FormatParameters = new(StringComparer.Ordinal) { "_format", "_pretty" };

    private static readonly Dictionary<string, DatePrefix> Prefixes = new(StringComparer.Ordinal)
    {
        ["eq"] = DatePrefix.Eq, ["ne"] = DatePrefix.Ne, ["lt"] = DatePrefix.Lt, ["le"] = DatePrefix.Le,
        ["gt"] = DatePrefix.Gt, ["ge"] = DatePrefix.Ge, ["sa"] = DatePrefix.Sa, ["eb"] = DatePrefix.Eb,
    };

    private readonly SearchParameterRegistry _registry;

    public SearchQueryParser(SearchParameterRegistry registry) => _registry = registry;

    public SearchQuery Parse(string resourceType, IEnumerable<KeyValuePair<string, string>> parameters, bool lenient)
    {
        var criteria = new List<SearchCriterion>();
        var ignored = new List<string>();
        var count = DefaultCount;
        SortSpec? sort = null;
        var includes = new List<IncludeSpec>();
        var revIncludes = new List<IncludeSpec>();
        var summary = SummaryMode.None;
        var total = TotalMode.Accurate;
        PageCursor? cursor = null;

        foreach (var (key, rawValue) in parameters)
        {
            try
            {
                switch (key)
                {
                    case "_count":
                        // Parsed aside: a rejected value ignored under lenient handling must leave the default.
                        if (!int.TryParse(rawValue, NumberStyles.None, CultureInfo.InvariantCulture, out var requested))
                            throw FhirOperationException.BadRequest($"_count must be a whole number, not '{rawValue}'.", "_count");
                        count = Math.Min(requested, MaxCount);
                        break;
                    case "_sort":
                        sort = ParseSort(resourceType, rawValue);
                        break;
                    case "_include":
                        includes.Add(ParseInclude(resourceType, rawValue, "_include"));
                        break;
                    case "_revinclude":
                        revIncludes.Add(ParseInclude(resourceType, rawValue, "_revinclude"));
                        break;
                    case "_summary":
                        summary = rawValue switch
                        {
                            "count" => SummaryMode.Count,
                            "false" => SummaryMode.None,
                            _ => throw FhirOperationException.BadRequest($"_summary={rawValue} is not supported (count and false are).", "_summary"),
                        };
                        break;
                    case "_total":
                        total = rawValue switch
                        {
                            "accurate" or "estimate" => TotalMode.Accurate,
                            "none" => TotalMode.None,
                            _ => throw FhirOperationException.BadRequest($"_total must be none, estimate or accurate, not '{rawValue}'.", "_total"),
                        };
                        break;
                    case "_cursor":
                        if (!PageCursor.TryDecode(rawValue, out cursor))
                            throw FhirOperationException.BadRequest("The paging cursor is not valid; follow the Bundle's links.", "_cursor");
                        break;
                    default:
                        if (FormatParameters.Contains(key)) break;
                        criteria.Add(ParseCriterion(resourceType, key, rawValue));
                        break;
                }
            }
            catch (FhirOperationException) when (lenient)
            {
                ignored.Add(key);
            }
        }

        if (cursor is not null && sort is null && cursor.SortValue != 0)
            throw FhirOperationException.BadRequest("The paging cursor does not belong to this search.", "_cursor");

        return new SearchQuery(resourceType, criteria,
            new SearchResultOptions(count, sort, includes, revIncludes, summary, total, cursor), ignored);
    }

    private SearchCriterion ParseCriterion(string resourceType, string key, string rawValue)
    {
        var (name, modifier, chain) = SplitKey(key);
        var parameter = _registry.Find(resourceType, name)
            ?? throw FhirOperationException.BadRequest($"Unknown or unsupported search parameter '{name}' for {resourceType}.", key);

        if (chain is not null)
        {
            if (parameter.Type != SearchParamType.Reference)
                throw FhirOperationException.BadRequest($"'{name}' is not a reference and cannot be chained.", key);
            var target = modifier ?? (parameter.Targets.Count == 1 ? parameter.Targets[0]
                : throw FhirOperationException.BadRequest($"'{name}' may point at several types: name one, as in {name}:Patient.{chain}.", key));
            if (!parameter.Targets.Contains(target) || !_registry.Supports(target))
                throw FhirOperationException.BadRequest($"'{name}' cannot point at {target}.", key);
            var chained = ParseCriterion(target, chain, rawValue);
            return new SearchCriterion(parameter, null, [], target, chained);
        }

        ValidateModifier(parameter, modifier, key);
        var values = SplitValues(rawValue).Select(v => ParseValue(parameter, modifier, v, key)).ToList();
        if (values.Count == 0)
            throw FhirOperationException.BadRequest($"Search parameter '{key}' has no value.", key);
        return new SearchCriterion(parameter, modifier, values);
    }

    private static (string Name, string? Modifier, string? Chain) SplitKey(string key)
    {
        string? chain = null;
        var dot = key.IndexOf('.');
        if (dot > 0)
        {
            chain = key[(dot + 1)..];
            key = key[..dot];
        }
        var colon = key.IndexOf(':');
        return colon > 0 ? (key[..colon], key[(colon + 1)..], chain) : (key, null, chain);
    }

    private static void ValidateModifier(SearchParameterDefinition parameter, string? modifier, string key)
    {
        if (modifier is null) return;
        var allowed = parameter.Type switch
        {
            SearchParamType.String => modifier is "exact" or "contains",
            SearchParamType.Token => modifier is "not",
            SearchParamType.Reference => parameter.Targets.Contains(modifier),
            _ => false,
        };
        if (!allowed)
            throw FhirOperationException.BadRequest($"Modifier ':{modifier}' is not supported on '{parameter.Name}'.", key);
    }

    private static SearchValue ParseValue(SearchParameterDefinition parameter, string? modifier, string value, string key)
    {
        switch (parameter.Type)
        {
            case SearchParamType.Token:
                var bar = IndexOfUnescaped(value, '|');
                if (bar < 0) return new TokenValue(null, Unescape(value));
                var system = Unescape(value[..bar]);
                var code = Unescape(value[(bar + 1)..]);
                if (system.Length == 0 && code.Length == 0)
                    throw FhirOperationException.BadRequest($"'{key}' needs a system or a code.", key);
                return new TokenValue(system, code.Length == 0 ? null : code);
            case SearchParamType.String:
                return new StringValue(Unescape(value));
            case SearchParamType.Date:
                var prefix = DatePrefix.Eq;
                var text = value;
                if (value.Length > 2 && char.IsLetter(value[0]))
                {
                    if (!Prefixes.TryGetValue(value[..2], out prefix))
                        throw FhirOperationException.BadRequest($"Date prefix '{value[..2]}' is not supported on '{key}' (eq ne lt le gt ge sa eb are).", key);
                    text = value[2..];
                }
                if (!PartialDateTime.TryParse(text, out var date))
                    throw FhirOperationException.BadRequest($"'{text}' is not a valid date for '{key}'.", key);
                return new DateValue(prefix, date);
            case SearchParamType.Reference:
                var reference = Unescape(value);
                var slash = reference.LastIndexOf('/');
                if (slash < 0) return new ReferenceValue(modifier, reference);
                if (!Indexing.ResourceReference.TryParse(reference, out var type, out var id))
                    throw FhirOperationException.BadRequest($"'{reference}' is not a reference for '{key}'.", key);
                return new ReferenceValue(type, id);
            default:
                throw new InvalidOperationException($"unhandled parameter type {parameter.Type}");
        }
    }

    private SortSpec ParseSort(string resourceType, string value)
    {
        var keys = value.Split(',', StringSplitOptions.RemoveEmptyEntries);
        if (keys.Length != 1)
            throw FhirOperationException.BadRequest("_sort takes one key here (a date parameter or _lastUpdated, '-' for descending).", "_sort");
        var descending = keys[0].StartsWith('-');
        var name = descending ? keys[0][1..] : keys[0];
        var parameter = _registry.Find(resourceType, name);
        if (parameter is null || parameter.Type != SearchParamType.Date)
            throw FhirOperationException.BadRequest($"Cannot sort {resourceType} by '{name}' (date parameters and _lastUpdated can).", "_sort");
        return new SortSpec(parameter, descending);
    }

    private IncludeSpec ParseInclude(string resourceType, string value, string key)
    {
        var parts = value.Split(':');
        if (parts.Length is < 2 or > 3)
            throw FhirOperationException.BadRequest($"{key} must be Type:parameter[:TargetType], not '{value}'.", key);
        var parameter = _registry.Find(parts[0], parts[1]);
        if (parameter is null || parameter.Type != SearchParamType.Reference)
            throw FhirOperationException.BadRequest($"{key}={value}: {parts[0]} has no reference parameter '{parts[1]}'.", key);
        var target = parts.Length == 3 ? parts[2] : null;
        if (target is not null && !parameter.Targets.Contains(target))
            throw FhirOperationException.BadRequest($"{key}={value}: '{parts[1]}' cannot point at {target}.", key);
        // What could never add anything is refused rather than silently doing nothing.
        if (key == "_include" && parts[0] != resourceType)
            throw FhirOperationException.BadRequest($"{key}={value}: a search of {resourceType} can only include through {resourceType}'s own parameters.", key);
        if (key == "_revinclude" && (!parameter.Targets.Contains(resourceType) || (target is not null && target != resourceType)))
            throw FhirOperationException.BadRequest($"{key}={value}: {parts[0]}.{parts[1]} never points at a {resourceType}.", key);
        return new IncludeSpec(parts[0], parameter, target);
    }

    private static IEnumerable<string> SplitValues(string raw)
    {
        var start = 0;
        for (var i = 0; i < raw.Length; i++)
        {
            if (raw[i] == '\\') { i++; continue; }
            if (raw[i] != ',') continue;
            if (i > start) yield return raw[start..i];
            start = i + 1;
        }
        if (start < raw.Length) yield return raw[start..];
    }

    private static int IndexOfUnescaped(string value, char c)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '\\') { i++; continue; }
            if (value[i] == c) return i;
        }
        return -1;
    }

    private static string Unescape(string value) =>
        value.Contains('\\') ? value.Replace("\\,", ",").Replace("\\|", "|").Replace("\\$", "$").Replace("\\\\", "\\") : value;
}
