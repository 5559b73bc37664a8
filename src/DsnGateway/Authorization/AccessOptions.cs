namespace DsnGateway.Authorization;

/// <summary>Section <c>Access</c>: authorization choices a deployment makes.</summary>
internal sealed class AccessOptions
{
    public const string Section = "Access";

    /// <summary>Whether tokens of role <c>system</c> may use the FHIR API (read or write clinical data). Off by default.</summary>
    public bool SystemMayUseFhirApi { get; set; }

    /// <summary>Patient ids marked restricted at start (readable only with break-the-glass); admins add more under /admin.</summary>
    public List<string> RestrictedPatients { get; set; } = [];

    /// <summary>
    /// The largest answer the gateway holds back while it audits (it releases nothing before the audit is committed).
    /// A larger one is refused, too-costly, asking the caller to page. Writes are not capped: their answer echoes a
    /// body the caller sent, which Kestrel already limits.
    /// </summary>
    public long MaxBufferedAnswerBytes { get; set; } = 64L * 1024 * 1024;
}
