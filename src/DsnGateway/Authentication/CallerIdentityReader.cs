using System.Security.Claims;
using DsnGateway.SmartScopes;

namespace DsnGateway.Authentication;

/// <summary>
/// Reads a <see cref="CallerIdentity"/> from a validated token's claims, with the configured claim names.
/// A token missing what its role requires is refused (fail closed), with the claim named.
/// </summary>
internal static class CallerIdentityReader
{
    public static CallerIdentity? Read(ClaimsPrincipal principal, ClaimNames names, out string? problem)
    {
        problem = null;
        string? One(string name) => principal.FindFirst(name)?.Value is { Length: > 0 } v ? v : null;

        var subject = One(names.Subject);
        if (subject is null) return Refuse($"the token has no '{names.Subject}' claim", out problem);

        // "role" is one string; a provider's "roles" (Entra ID app roles) is an array that may hold other apps' roles too.
        var roleValues = principal.FindAll(names.Role).Select(c => c.Value).Where(v => v.Length > 0).ToList();
        var role = roleValues.FirstOrDefault(CallerIdentity.Roles.Contains) ?? roleValues.FirstOrDefault()
            ?? principal.FindAll(names.AlternativeRole).Select(c => c.Value).FirstOrDefault(CallerIdentity.Roles.Contains);
        if (role is null) return Refuse($"the token has no '{names.Role}' (or '{names.AlternativeRole}') claim", out problem);
        if (!CallerIdentity.Roles.Contains(role)) return Refuse($"role '{role}' is not one of {string.Join(", ", CallerIdentity.Roles)}", out problem);

        // "scope" is one space-separated string; Entra ID's "scp" may be that or one claim per scope.
        var scopeClaims = principal.FindAll(names.Scope).Select(c => c.Value).ToList();
        if (scopeClaims.Count == 0) scopeClaims = principal.FindAll(names.AlternativeScope).Select(c => c.Value).ToList();
        var scopeText = string.Join(' ', scopeClaims.SelectMany(s => s.Split(' ', StringSplitOptions.RemoveEmptyEntries)));
        var scopes = SmartScopeSet.Parse(scopeText);
        if (role != CallerIdentity.Admin && scopes.ResourceScopes.Count == 0)
            return Refuse($"the token has no SMART resource scope in '{names.Scope}'", out problem);

        var establishment = One(names.Establishment)?.ToUpperInvariant();
        if (role is CallerIdentity.Clinician or CallerIdentity.System && establishment is null)
            return Refuse($"role {role} requires the '{names.Establishment}' claim", out problem);

        var patient = One(names.Patient);
        if (scopes.HasContext(SmartContext.Patient) && patient is null)
            return Refuse($"patient/ scopes require the '{names.Patient}' claim", out problem);

        var clientId = One(names.ClientId) ?? One(names.AlternativeClientId);
        return new CallerIdentity(subject, role, scopes, scopeText, establishment, One(names.FhirUser), patient, clientId);
    }

    private static CallerIdentity? Refuse(string why, out string? problem)
    {
        problem = why;
        return null;
    }
}
