namespace DsnGateway.Authorization;

/// <summary>Section <c>Access</c>: authorization choices a deployment makes.</summary>
internal sealed class AccessOptions
{
    public const string Section = "Access";

    /// <summary>Whether tokens of role <c>system</c> may use the FHIR API (read or write clinical data). Off by default.</summary>
    public bool SystemMayUseFhirApi { get; set; }

    /// <summary>Patient ids marked restricted at start (readable only with break-the-glass); admins add more under /admin.</summary>
    public List<string> RestrictedPatients { get; set; } = [];
}
