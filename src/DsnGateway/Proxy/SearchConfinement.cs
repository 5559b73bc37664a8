namespace DsnGateway.Proxy;

/// <summary>
/// The parameters the gateway added to a caller's search (care relationship, restricted patients, a qualified
/// scope's or a patient grant's criteria), carried from the access check to the link rewriting: the store's Bundle
/// links repeat the query it ran, and the caller must see the query they asked. Paging keeps the confinement
/// because the gateway adds it again on every request, not because a link carries it.
/// </summary>
internal sealed record SearchConfinement(IReadOnlyList<KeyValuePair<string, string>> AddedParameters)
{
    public static SearchConfinement? Of(HttpContext context) => context.Features.Get<SearchConfinement>();

    public void Attach(HttpContext context) => context.Features.Set(this);
}
