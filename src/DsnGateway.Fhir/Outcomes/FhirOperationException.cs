using Hl7.Fhir.Model;
using Hl7.Fhir.Utility;

namespace DsnGateway.Fhir.Outcomes;

/// <summary>
/// A FHIR interaction failed in a way the caller must be told about: becomes an OperationOutcome
/// with <see cref="StatusCode"/> as the HTTP status.
/// </summary>
public sealed class FhirOperationException : Exception
{
    public FhirOperationException(int statusCode, string issueCode, string message, string? expression = null)
        : base(message)
    {
        StatusCode = statusCode;
        IssueCode = issueCode;
        Expression = expression;
    }

    public int StatusCode { get; }

    /// <summary>An IssueType code (http://hl7.org/fhir/issue-type), e.g. <c>invalid</c>, <c>not-found</c>.</summary>
    public string IssueCode { get; }

    /// <summary>Where in the input the problem is (FHIRPath-like), when known.</summary>
    public string? Expression { get; }

    public OperationOutcome ToOutcome() => OperationOutcomes.Error(IssueCode, Message, Expression);

    public static FhirOperationException BadRequest(string message, string? expression = null) => new(400, "invalid", message, expression);
    public static FhirOperationException NotFound(string message) => new(404, "not-found", message);
    public static FhirOperationException Gone(string message) => new(410, "deleted", message);
    public static FhirOperationException MethodNotAllowed(string message) => new(405, "not-supported", message);
    public static FhirOperationException Conflict(string message) => new(409, "conflict", message);
    public static FhirOperationException PreconditionFailed(string message) => new(412, "conflict", message);
    public static FhirOperationException Unprocessable(string message, string? expression = null) => new(422, "processing", message, expression);
}

/// <summary>Builds the OperationOutcomes this product answers with.</summary>
public static class OperationOutcomes
{
    public static OperationOutcome Error(string issueCode, string diagnostics, string? expression = null) =>
        Single(OperationOutcome.IssueSeverity.Error, issueCode, diagnostics, expression);

    public static OperationOutcome Warning(string issueCode, string diagnostics, string? expression = null) =>
        Single(OperationOutcome.IssueSeverity.Warning, issueCode, diagnostics, expression);

    public static OperationOutcome Information(string diagnostics) =>
        Single(OperationOutcome.IssueSeverity.Information, "informational", diagnostics, null);

    /// <summary>One issue per problem the parser found, each with Firely's element path as its expression.</summary>
    public static OperationOutcome Invalid(IEnumerable<Serialization.FhirParseIssue> issues) => new()
    {
        Issue = issues.Select(i => Issue(OperationOutcome.IssueSeverity.Error, "invalid", i.Message, i.ElementPath)).ToList(),
    };

    private static OperationOutcome Single(OperationOutcome.IssueSeverity severity, string code, string diagnostics, string? expression) => new()
    {
        Issue = [Issue(severity, code, diagnostics, expression)],
    };

    private static OperationOutcome.IssueComponent Issue(OperationOutcome.IssueSeverity severity, string code, string diagnostics, string? expression)
    {
        var issue = new OperationOutcome.IssueComponent
        {
            Severity = severity,
            Code = EnumUtility.ParseLiteral<OperationOutcome.IssueType>(code)
                ?? throw new ArgumentException($"'{code}' is not an issue-type code.", nameof(code)),
            Diagnostics = diagnostics,
        };
        if (expression is not null)
            issue.Expression = [expression];
        return issue;
    }
}
