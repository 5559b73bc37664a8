using DsnGateway.SmartScopes;

namespace DsnGateway.Authentication;

/// <summary>Who is calling, read from a validated access token with the configured claim names.</summary>
internal sealed record CallerIdentity(
    string Subject,
    string Role,
    SmartScopeSet Scopes,
    string ScopeText,
    string? Establishment,
    string? FhirUser,
    string? Patient,
    string? ClientId)
{
    public const string Clinician = "clinician";
    public const string PrivacyOfficer = "privacy-officer";
    public const string System = "system";
    public const string Admin = "admin";

    public static readonly IReadOnlySet<string> Roles = new HashSet<string>(StringComparer.Ordinal) { Clinician, PrivacyOfficer, System, Admin };
}
