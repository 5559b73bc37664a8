using Microsoft.AspNetCore.Authorization;

namespace DsnGateway.Authorization;

/// <summary>
/// Who may call an endpoint, declared on the endpoint itself: <c>.RequireAuthorization(&lt;one of these&gt;)</c> or
/// <c>.AllowAnonymous()</c>. <see cref="FhirAccessMiddleware"/> reads the declaration of the endpoint that matched to
/// know whether and how to authenticate, decide and audit; an endpoint that declares nothing (or something it does not
/// know) is refused, so a new route is closed until it says who may call it. ASP.NET Core's authorization middleware,
/// run after the gateway's, only confirms: each policy is met when the gateway's middleware admitted the request under
/// that policy, and the fallback policy is never met.
/// </summary>
internal static class AccessPolicies
{
    /// <summary>The record store's API under /fhir and the gateway's own FHIR resources: <see cref="FhirAccessPolicy"/>
    /// decides per interaction (SMART scopes, role, care relationship, break-the-glass).</summary>
    public const string FhirRecords = "fhir-records";

    /// <summary>Operations under /admin: role admin.</summary>
    public const string Administration = "administration";

    /// <summary>Records sent for ingestion: role system with a scope granting create on every type (system/*.c).</summary>
    public const string Ingestion = "ingestion";

    /// <summary>What <see cref="Of"/> answers for an endpoint that declares <c>AllowAnonymous</c> (YARP's name for it too).</summary>
    public const string Anonymous = "anonymous";

    /// <summary>The policy the gateway's middleware admitted the request under (an item of the request).</summary>
    private const string AdmittedItem = "DsnGateway.Authorization.AdmittedPolicy";

    private static readonly HashSet<string> Known = [FhirRecords, Administration, Ingestion];

    public static IServiceCollection AddAccessPolicies(this IServiceCollection services)
    {
        services.AddAuthorization(options =>
        {
            foreach (var policy in Known) options.AddPolicy(policy, p => p.AddRequirements(new AdmittedUnder(policy)));
            options.FallbackPolicy = new AuthorizationPolicyBuilder().AddRequirements(new AdmittedUnder(null)).Build();
        });
        services.AddSingleton<IAuthorizationHandler, AdmittedUnderHandler>();
        return services;
    }

    /// <summary>
    /// The access an endpoint declares: <see cref="Anonymous"/>, one known policy, or null when it declares nothing, a
    /// policy the gateway does not know, several, or anonymous and a policy at once (refused: the declaration is unclear).
    /// </summary>
    public static string? Of(Endpoint? endpoint)
    {
        if (endpoint is null) return null;
        var policies = endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy).Distinct().ToList();
        var anonymous = endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null;
        return (anonymous, policies) switch
        {
            (true, []) => Anonymous,
            (false, [{ } policy]) when Known.Contains(policy) => policy,
            _ => null,
        };
    }

    public static void Admit(HttpContext context, string policy) => context.Items[AdmittedItem] = policy;

    private sealed record AdmittedUnder(string? Policy) : IAuthorizationRequirement;

    private sealed class AdmittedUnderHandler : AuthorizationHandler<AdmittedUnder>
    {
        protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, AdmittedUnder requirement)
        {
            if (requirement.Policy is not null && context.Resource is HttpContext http && Equals(http.Items[AdmittedItem], requirement.Policy))
                context.Succeed(requirement);
            return Task.CompletedTask;
        }
    }
}
