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
        var issues = failed.Exceptions.Select(e => e is ExtendedCodedException coded
                ? new FhirParseIssue(PathOf(coded.InstancePath), coded.BaseErrorMessage)
                : new FhirParseIssue("(root)", e.Message))
            // Firely adds "empty element" beside an unknown resource type: the first says it all.
            .DistinctBy(i => (i.ElementPath, i.Message))
            .ToList();
        return new FhirParseException(issues, failed);
    }

    // Firely names the root "$this" when it has not yet learnt the resource type, and nothing when there is no object.
    private static string PathOf(string? instancePath) =>
        string.IsNullOrEmpty(instancePath) || instancePath == "$this" ? "(root)" : instancePath;
}
