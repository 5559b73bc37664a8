using Hl7.Fhir.Model;

namespace DsnGateway.Audit;

/// <summary>The code systems and codes our AuditEvents use (IHE BALP, DICOM, HL7 terminology, and our own urn:dsn ones).</summary>
internal static class AuditCodes
{
    public const string AuditEventTypeSystem = "http://terminology.hl7.org/CodeSystem/audit-event-type";
    public const string RestfulInteractionSystem = "http://hl7.org/fhir/restful-interaction";
    public const string DicomSystem = "http://dicom.nema.org/resources/ontology/DCM";
    public const string ActReasonSystem = "http://terminology.hl7.org/CodeSystem/v3-ActReason";
    public const string ParticipationTypeSystem = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType";
    public const string RoleClassSystem = "http://terminology.hl7.org/CodeSystem/v3-RoleClass";
    public const string EntityTypeSystem = "http://terminology.hl7.org/CodeSystem/audit-entity-type";
    public const string ObjectRoleSystem = "http://terminology.hl7.org/CodeSystem/object-role";
    public const string SourceTypeSystem = "http://terminology.hl7.org/CodeSystem/security-source-type";
    public const string BalpEntityTypeSystem = "https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType";

    /// <summary>The token's <c>sub</c>: who.identifier.system of the user agent, and what the <c>agent</c> search matches.</summary>
    public const string SubjectSystem = "urn:dsn:subject";
    public const string ClientIdSystem = "urn:dsn:client-id";
    public const string EstablishmentSystem = "urn:dsn:establishment";
    public const string RoleSystem = "urn:dsn:role";

    /// <summary>meta.tag of every security alert (<see cref="AuditRecord.IsSecurityAlert"/>: 401, 403, any break-the-glass request): what privacy officers review.</summary>
    public const string FlagSystem = "urn:dsn:audit";
    public const string FlagCode = "flagged";

    public const string GatewayDisplay = "DSN gateway";

    public static Coding Code(string system, string code, string? display = null) => new() { System = system, Code = code, Display = display };

    public static CodeableConcept Concept(string system, string code, string? display = null, string? text = null) =>
        new() { Coding = [Code(system, code, display)], Text = text };

    public static Coding Flag => Code(FlagSystem, FlagCode, "Security alert for privacy review");
}
