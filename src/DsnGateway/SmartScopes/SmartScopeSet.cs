namespace DsnGateway.SmartScopes;

/// <summary>
/// Every scope of one access token. Parsing never throws: anything that is neither a valid resource scope
/// nor a known non-resource scope lands in <see cref="InvalidScopes"/> (for the caller to log) and grants nothing.
/// </summary>
internal sealed class SmartScopeSet
{
    private static readonly IReadOnlyList<KeyValuePair<string, string>> NoParameters = [];

    private SmartScopeSet(IReadOnlyList<SmartScope> scopes, IReadOnlyList<string> invalidScopes)
    {
        Scopes = scopes;
        InvalidScopes = invalidScopes;
        ResourceScopes = scopes.Where(s => s.IsResourceScope).ToArray();
    }

    public static SmartScopeSet Empty { get; } = new([], []);

    /// <summary>Every valid scope (resource and non-resource), in token order, without duplicates.</summary>
    public IReadOnlyList<SmartScope> Scopes { get; }

    /// <summary>The <c>patient/</c>, <c>user/</c> and <c>system/</c> scopes.</summary>
    public IReadOnlyList<SmartScope> ResourceScopes { get; }

    /// <summary>The scope strings that were not understood, in token order, without duplicates.</summary>
    public IReadOnlyList<string> InvalidScopes { get; }

    /// <summary>Parses a space-separated <c>scope</c> claim (any run of whitespace separates). Null or blank gives an empty set.</summary>
    public static SmartScopeSet Parse(string? spaceSeparated) =>
        Parse(spaceSeparated is null ? [] : [spaceSeparated]);

    /// <summary>Parses a <c>scp</c> array; an element holding several space-separated scopes is split too, null elements are skipped.</summary>
    public static SmartScopeSet Parse(IEnumerable<string?>? scopes)
    {
        if (scopes is null)
        {
            return Empty;
        }

        var valid = new List<SmartScope>();
        var invalid = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var element in scopes)
        {
            if (element is null)
            {
                continue;
            }

            foreach (var text in element.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
            {
                if (!seen.Add(text))
                {
                    continue;
                }

                if (SmartScope.TryParse(text, out var scope))
                {
                    valid.Add(scope);
                }
                else
                {
                    invalid.Add(text);
                }
            }
        }

        return valid.Count == 0 && invalid.Count == 0 ? Empty : new SmartScopeSet(valid, invalid);
    }

    /// <summary>True when the token carries this exact scope string (e.g. <c>openid</c>, <c>launch/patient</c>).</summary>
    public bool Contains(string scope) => Scopes.Any(s => string.Equals(s.Value, scope, StringComparison.Ordinal));

    /// <summary>True when some resource scope uses <paramref name="context"/> (e.g. to require a <c>patient</c> claim for <c>patient/</c> scopes).</summary>
    public bool HasContext(SmartContext context) => ResourceScopes.Any(s => s.Context == context);

    /// <summary>
    /// True when some scope of <paramref name="context"/> grants <paramref name="interaction"/> on
    /// <paramref name="resourceType"/> WITHOUT qualifiers. A qualified scope (<c>?category=...</c>) grants only
    /// part of the type, so it is not enough here: use <c>Evaluate</c> to learn the constraints. A
    /// <paramref name="resourceType"/> of <c>*</c> asks for every type and is granted only by a wildcard scope.
    /// </summary>
    public bool Permits(SmartContext context, string resourceType, SmartInteraction interaction)
    {
        ArgumentNullException.ThrowIfNull(resourceType);
        var decision = Evaluate(context, resourceType, interaction);
        return decision.IsAllowed && !decision.IsConstrained;
    }

    /// <summary>Evaluates a request in one context. See the overload taking several contexts.</summary>
    public ScopeDecision Evaluate(
        SmartContext context,
        string resourceType,
        SmartInteraction interaction,
        IReadOnlyList<KeyValuePair<string, string>>? searchParameters = null) =>
        Evaluate([context], resourceType, interaction, searchParameters);

    /// <summary>
    /// Decides whether the token's scopes grant <paramref name="interaction"/> on <paramref name="resourceType"/>
    /// in one of <paramref name="acceptableContexts"/> (those the caller's role may use), tried in the order given:
    /// the first context whose scopes grant without constraint wins; failing that, the first context that grants
    /// with constraints. <paramref name="searchParameters"/> are the request's (decoded) query parameters: a
    /// qualifier the query already carries with the same name and value need not be added. Scopes of other
    /// contexts never count. Never throws on token content; an unknown or malformed resource type is denied.
    /// </summary>
    public ScopeDecision Evaluate(
        IReadOnlyList<SmartContext> acceptableContexts,
        string resourceType,
        SmartInteraction interaction,
        IReadOnlyList<KeyValuePair<string, string>>? searchParameters = null)
    {
        ArgumentNullException.ThrowIfNull(acceptableContexts);
        ArgumentNullException.ThrowIfNull(resourceType);
        _ = interaction.ToPermission(); // rejects undefined enum values
        searchParameters ??= NoParameters;

        var requiredScope = acceptableContexts.Count > 0 && (resourceType == "*" || SmartScope.IsResourceTypeName(resourceType))
            ? RequiredScopeFor(acceptableContexts[0], resourceType, interaction)
            : string.Empty;
        if (resourceType != "*" && !SmartScope.IsResourceTypeName(resourceType))
        {
            return ScopeDecision.Denied(requiredScope);
        }

        ScopeDecision? constrained = null;
        foreach (var context in acceptableContexts)
        {
            var decision = EvaluateIn(context, resourceType, interaction, searchParameters, requiredScope);
            if (decision is null)
            {
                continue;
            }

            if (!decision.IsConstrained)
            {
                return decision;
            }

            constrained ??= decision;
        }

        return constrained ?? ScopeDecision.Denied(requiredScope);
    }

    /// <summary>The scope a 403 message should name, e.g. <c>user/Patient.r</c> or <c>system/*.c</c>.</summary>
    public static string RequiredScopeFor(SmartContext context, string resourceType, SmartInteraction interaction)
    {
        ArgumentNullException.ThrowIfNull(resourceType);
        if (resourceType != "*" && !SmartScope.IsResourceTypeName(resourceType))
        {
            throw new ArgumentException($"'{resourceType}' is not a resource type name or '*'.", nameof(resourceType));
        }

        return $"{context.ToScopePrefix()}/{resourceType}.{interaction.ToLetter()}";
    }

    public override string ToString() => string.Join(' ', Scopes);

    private ScopeDecision? EvaluateIn(
        SmartContext context,
        string resourceType,
        SmartInteraction interaction,
        IReadOnlyList<KeyValuePair<string, string>> searchParameters,
        string requiredScope)
    {
        var covering = ResourceScopes.Where(s => s.Covers(context, resourceType, interaction)).ToList();
        if (covering.Count == 0)
        {
            return null;
        }

        var unqualified = covering.Where(s => !s.HasQualifiers).ToArray();
        if (unqualified.Length > 0)
        {
            return ScopeDecision.Allowed(context, unqualified, null, requiredScope);
        }

        // Every covering scope is qualified: each one is an alternative confinement of the query.
        var alternatives = new List<(SmartScope Scope, KeyValuePair<string, string>[] Missing)>();
        foreach (var scope in covering)
        {
            var missing = scope.Qualifiers
                .Where(q => !searchParameters.Any(p => string.Equals(p.Key, q.Key, StringComparison.Ordinal)
                    && string.Equals(p.Value, q.Value, StringComparison.Ordinal)))
                .Distinct()
                .ToArray();
            if (missing.Length == 0)
            {
                // The query is already confined to what this scope allows.
                return ScopeDecision.Allowed(context, [scope], null, requiredScope);
            }

            alternatives.Add((scope, missing));
        }

        // Drop duplicates and alternatives implied by a weaker one (a superset of another's parameters).
        var kept = new List<(SmartScope Scope, KeyValuePair<string, string>[] Missing)>();
        for (var i = 0; i < alternatives.Count; i++)
        {
            var candidate = alternatives[i].Missing;
            var redundant = false;
            for (var j = 0; j < alternatives.Count && !redundant; j++)
            {
                if (i == j)
                {
                    continue;
                }

                var other = alternatives[j].Missing;
                var otherIsSubset = other.All(candidate.Contains);
                var same = otherIsSubset && candidate.All(other.Contains);
                redundant = same ? j < i : otherIsSubset;
            }

            if (!redundant)
            {
                kept.Add(alternatives[i]);
            }
        }

        return ScopeDecision.Allowed(
            context,
            covering,
            kept.Select(k => (IReadOnlyList<KeyValuePair<string, string>>)k.Missing).ToArray(),
            requiredScope);
    }
}
