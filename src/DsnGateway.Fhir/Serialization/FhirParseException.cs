using Hl7.Fhir.Serialization;
using Hl7.Fhir.Utility;

namespace DsnGateway.Fhir.Serialization;

/// <summary>One problem Firely's parser found: where (its element path, e.g. <c>Patient.name[0].family</c>) and what.</summary>
public sealed record FhirParseIssue(string ElementPath, string Message);

/// <summary>The input is not valid FHIR JSON; <see cref="Issues"/> says every problem found and where.</summary>
public sealed class FhirParseException : Exception
{
    public FhirParseException(IReadOnlyList<FhirParseIssue> issues, Exception? inner = null)
        : base(issues.Count == 0 ? "The body is not a valid FHIR resource." : string.Join(" ", issues.Select(i => i.Message)), inner)
    {
        Issues = issues;
    }

    public FhirParseException(string message, string elementPath) : this([new FhirParseIssue(elementPath, message)])
    {
    }

    public IReadOnlyList<FhirParseIssue> Issues { get; }

    /// <summary>Where the first problem is, from the root resource down; <c>(root)</c> for the body as a whole.</summary>
    public string ElementPath => Issues.Count == 0 ? "(root)" : Issues[0].ElementPath;

    internal static FhirParseException From(DeserializationFailedException failed)
    {
        // Problems found once an object has been read (a required element missing) are named from "$this": where
        // the resource read is a single one, that is its type; inside a Bundle or beside contained resources Firely's
        // path is all there is, and it is kept as it is.
        var root = failed.PartialResult is Hl7.Fhir.Model.Resource resource
            && (resource is not Hl7.Fhir.Model.Bundle bundle || bundle.Entry.All(e => e.Resource is null))
            && (resource is not Hl7.Fhir.Model.DomainResource domain || domain.Contained.Count == 0)
            ? resource.TypeName
            : null;
        var issues = failed.Exceptions.Select(e => e is ExtendedCodedException coded
                ? new FhirParseIssue(PathOf(coded.InstancePath, root), root is null ? coded.BaseErrorMessage : coded.BaseErrorMessage.Replace("'$this", "'" + root, StringComparison.Ordinal))
                : new FhirParseIssue("(root)", e.Message))
            // Firely adds "empty element" beside an unknown resource type: the first says it all.
            .DistinctBy(i => (i.ElementPath, i.Message))
            .ToList();
        return new FhirParseException(issues, failed);
    }

    // Firely names the root "$this" when it has not yet learnt the resource type, and nothing when there is no object.
    private static string PathOf(string? instancePath, string? root) => instancePath switch
    {
        null or "" or "$this" => "(root)",
        _ when root is not null && instancePath.StartsWith("$this.", StringComparison.Ordinal) => root + instancePath[5..],
        _ => instancePath,
    };
}
