using System.Runtime.CompilerServices;
using System.Security.Claims;

namespace DsnGateway.Authentication;

/// <summary>
/// Reads each validated token's caller once. <see cref="CachingTokenHandler"/> hands every request bearing the
/// same token the same validation result, so the same <see cref="ClaimsIdentity"/> object: the caller read from it
/// (role, establishment, parsed SMART scopes) is kept beside that object, and goes away with it. A change of the
/// configured claim names reads the caller again.
/// </summary>
internal sealed class CallerIdentityCache
{
    private readonly ConditionalWeakTable<ClaimsIdentity, Entry> _read = new();

    public CallerIdentity? Read(ClaimsPrincipal principal, ClaimNames names, out string? problem)
    {
        // One identity is what JwtBearer builds; anything else is read afresh, never shared.
        if (principal.Identities.Count() != 1 || principal.Identity is not ClaimsIdentity identity)
            return CallerIdentityReader.Read(principal, names, out problem);

        if (_read.TryGetValue(identity, out var entry) && ReferenceEquals(entry.Names, names))
        {
            problem = entry.Problem;
            return entry.Caller;
        }
        var caller = CallerIdentityReader.Read(principal, names, out problem);
        _read.AddOrUpdate(identity, new Entry(names, caller, problem));
        return caller;
    }

    private sealed record Entry(ClaimNames Names, CallerIdentity? Caller, string? Problem);
}
