namespace DsnGateway.Fhir.Generator;

/// <summary>The resource types the gateway emits or reads; the data types they use follow from the schema.</summary>
public static class ModelScope
{
    public static readonly IReadOnlyList<string> Resources =
    [
        "Patient", "Practitioner", "Organization", "MedicationRequest", "Medication", "Procedure",
        "AuditEvent", "Provenance", "Bundle", "OperationOutcome", "CapabilityStatement", "Parameters",
    ];

    /// <summary>Elements every resource has; declared once on the hand-written base classes.</summary>
    public static readonly IReadOnlySet<string> ResourceBaseElements =
        new HashSet<string> { "id", "_id", "meta", "implicitRules", "_implicitRules", "language", "_language" };

    public static readonly IReadOnlySet<string> DomainResourceBaseElements =
        new HashSet<string> { "text", "contained", "extension", "modifierExtension" };
}
