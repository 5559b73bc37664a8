using DsnGateway.Fhir.Serialization;
using Firely.Fhir.Validation;
using Firely.Fhir.Validation.Compilation;
using Hl7.Fhir.Serialization;
using Hl7.Fhir.Specification.Source;
using Hl7.Fhir.Specification.Terminology;
using FirelyModel = Hl7.Fhir.Model;

namespace DsnGateway.Fhir.Validation;

/// <summary>One finding of the validator: how bad, where (Firely's element path) and what.</summary>
public sealed record ValidationIssue(string Severity, string Path, string Message)
{
    /// <summary>An error or a fatal issue: what the store must never be sent.</summary>
    public bool IsError => Severity is "error" or "fatal";
}

/// <summary>
/// Validates resources of the project's model with Firely's validator, offline: the base R4 definitions come from
/// specification.zip (Hl7.Fhir.Specification.Data.R4, copied beside the program), the CA Baseline profiles from a
/// folder the caller names (HL7 Canada's package is third-party data: the project does not copy it). With that
/// folder a Patient is validated against the CA Baseline Patient profile, whose snapshot carries every base R4 rule
/// too; without it, and for any other resource, against the base R4 definition. No terminology server: bindings are checked against the value sets the two sources hold.
/// </summary>
public sealed class ResourceValidator
{
    public const string CaBaselinePatient = "http://hl7.org/fhir/ca/baseline/StructureDefinition/profile-patient";

    private readonly Validator _validator;
    private readonly FhirJsonDeserializer _deserializer = new();

    private readonly bool _caBaseline;

    /// <param name="profilesDirectory">
    /// The CA Baseline StructureDefinitions (and their vocabulary, in sub-folders); null for base R4 alone.
    /// </param>
    public ResourceValidator(string? profilesDirectory)
    {
        if (profilesDirectory is not null && !Directory.Exists(profilesDirectory))
            throw new DirectoryNotFoundException($"The CA Baseline profiles are not in {profilesDirectory}.");
        _caBaseline = profilesDirectory is not null;
        IResourceResolver core = ZipSource.CreateValidationSource();
        var sources = profilesDirectory is null
            ? core
            : new MultiResolver(new DirectorySource(profilesDirectory, new DirectorySourceSettings { IncludeSubDirectories = true }), core);
        // The CA Baseline definitions are published as differentials: their snapshots are generated on first use.
        // Firely's corrections of the R4 definitions (ref-1 among them, which otherwise fails every reference that
        // has an identifier or display and no literal reference) must be applied before the snapshots are made, as
        // Firely documents for this resolver: corrections inside, snapshots around them, the cache outside.
        var resolver = new CachedResolver(new SnapshotSource(new StructureDefinitionCorrectionsResolver(sources)));
        _validator = new Validator(resolver, new LocalTerminologyService(resolver));
    }

    /// <summary>The profile a resource is held to: CA Baseline for a Patient when its profiles were given, base R4 (null) otherwise.</summary>
    public string? ProfileFor(string resourceType) => _caBaseline && resourceType == "Patient" ? CaBaselinePatient : null;

    /// <summary>Parses the JSON strictly with Firely (what it cannot parse is an error) and validates it.</summary>
    public IReadOnlyList<ValidationIssue> Validate(string json)
    {
        FirelyModel.Resource parsed;
        try
        {
            parsed = _deserializer.Deserialize<FirelyModel.Resource>(json);
        }
        catch (DeserializationFailedException ex)
        {
            return ex.Exceptions.Select(e => new ValidationIssue("error", "(parse)", e.Message)).ToList();
        }
        return Validate(parsed);
    }

    public IReadOnlyList<ValidationIssue> Validate(FirelyModel.Resource resource)
    {
        var outcome = _validator.Validate(resource, ProfileFor(resource.TypeName));
        return outcome.Issue.Select(i => new ValidationIssue(
                Severity(i.Severity),
                i.Expression.FirstOrDefault() ?? i.Location.FirstOrDefault() ?? resource.TypeName,
                i.Details?.Text ?? i.Diagnostics ?? i.Code?.ToString() ?? ""))
            .ToList();
    }

    private static string Severity(FirelyModel.OperationOutcome.IssueSeverity? severity) => severity switch
    {
        FirelyModel.OperationOutcome.IssueSeverity.Fatal => "fatal",
        FirelyModel.OperationOutcome.IssueSeverity.Error => "error",
        FirelyModel.OperationOutcome.IssueSeverity.Warning => "warning",
        _ => "information",
    };
}
