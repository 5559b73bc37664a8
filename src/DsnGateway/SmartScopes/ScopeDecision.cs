namespace DsnGateway.SmartScopes;

/// <summary>
/// The outcome of <see cref="SmartScopeSet.Evaluate(IReadOnlyList{SmartContext}, string, SmartInteraction, IReadOnlyList{KeyValuePair{string, string}}?)"/>.
/// </summary>
internal sealed class ScopeDecision
{
    private static readonly IReadOnlyList<SmartScope> NoScopes = [];
    private static readonly IReadOnlyList<IReadOnlyList<KeyValuePair<string, string>>> NoConstraints = [];

    private ScopeDecision(
        bool isAllowed,
        SmartContext? context,
        IReadOnlyList<SmartScope> grantingScopes,
        IReadOnlyList<IReadOnlyList<KeyValuePair<string, string>>> constraintAlternatives,
        string requiredScope)
    {
        IsAllowed = isAllowed;
        Context = context;
        GrantingScopes = grantingScopes;
        ConstraintAlternatives = constraintAlternatives;
        RequiredScope = requiredScope;
    }

    public bool IsAllowed { get; }

    /// <summary>
    /// The context whose scopes granted the request (null when denied). A <see cref="SmartContext.Patient"/>
    /// grant must still be confined to the token's patient by the caller.
    /// </summary>
    public SmartContext? Context { get; }

    /// <summary>
    /// The scopes the grant rests on: the unqualified scopes when the grant is unconstrained, otherwise the
    /// qualified ones. Empty when denied.
    /// </summary>
    public IReadOnlyList<SmartScope> GrantingScopes { get; }

    /// <summary>
    /// Empty when the grant is unconstrained (or denied). Otherwise alternative sets of search parameters,
    /// any ONE of which, added to the query (all parameters of that set, ANDed as FHIR does), confines the
    /// request to what a granting scope allows. Parameters the query already carries verbatim are left out;
    /// an alternative that is implied by another (a superset of it) is dropped.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<KeyValuePair<string, string>>> ConstraintAlternatives { get; }

    /// <summary>True when allowed only with one of <see cref="ConstraintAlternatives"/> applied.</summary>
    public bool IsConstrained => IsAllowed && ConstraintAlternatives.Count > 0;

    /// <summary>The scope that would grant the request in the first acceptable context, e.g. <c>user/Patient.r</c>, for a 403 message.</summary>
    public string RequiredScope { get; }

    internal static ScopeDecision Allowed(
        SmartContext context,
        IReadOnlyList<SmartScope> grantingScopes,
        IReadOnlyList<IReadOnlyList<KeyValuePair<string, string>>>? constraintAlternatives,
        string requiredScope) =>
        new(true, context, grantingScopes, constraintAlternatives ?? NoConstraints, requiredScope);

    internal static ScopeDecision Denied(string requiredScope) =>
        new(false, null, NoScopes, NoConstraints, requiredScope);

    public override string ToString() => IsAllowed
        ? $"allowed ({Context?.ToScopePrefix()}) by {string.Join(' ', GrantingScopes)}{(IsConstrained ? " with constraints" : string.Empty)}"
        : $"denied, requires {RequiredScope}";
}
