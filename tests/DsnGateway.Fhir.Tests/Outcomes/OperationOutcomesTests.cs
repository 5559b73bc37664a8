using System.Text.Json.Nodes;
using DsnGateway.Fhir.Outcomes;
using DsnGateway.Fhir.Serialization;
using Hl7.Fhir.Model;

namespace DsnGateway.Fhir.Tests.Outcomes;

public class OperationOutcomesTests
{
    [Fact]
    public void Invalid_gives_one_invalid_error_issue_per_problem_with_its_path_as_expression()
    {
        FhirParseIssue[] issues =
        [
            new("Patient.name[0].family", "Empty string."),
            new("Bundle.entry[0].resource.contact[0].foo", "Unknown element 'foo'."),
            new("(root)", "The body is JSON null, not a resource."),
        ];

        var outcome = OperationOutcomes.Invalid(issues);

        outcome.Issue.Should().HaveCount(3);
        outcome.Issue.Should().OnlyContain(i => i.Severity == OperationOutcome.IssueSeverity.Error
            && i.Code == OperationOutcome.IssueType.Invalid);
        outcome.Issue.Select(i => i.Expression.Single()).Should().Equal(
            "Patient.name[0].family", "Bundle.entry[0].resource.contact[0].foo", "(root)");
        outcome.Issue.Select(i => i.Diagnostics).Should().Equal(
            "Empty string.", "Unknown element 'foo'.", "The body is JSON null, not a resource.");
    }

    [Fact]
    public void Invalid_from_a_real_parse_names_every_problem_Firely_found()
    {
        var act = () => FhirJson.Parse("""{"resourceType":"Patient","gender":"xx","name":[{"family":""}]}""");
        var ex = act.Should().Throw<FhirParseException>().Which;

        var outcome = OperationOutcomes.Invalid(ex.Issues);

        outcome.Issue.Should().HaveCount(ex.Issues.Count);
        outcome.Issue.SelectMany(i => i.Expression).Should().Contain(["Patient.gender", "Patient.name[0].family"]);
        outcome.Issue.Should().OnlyContain(i => i.Code == OperationOutcome.IssueType.Invalid && !string.IsNullOrWhiteSpace(i.Diagnostics));
    }

    [Fact]
    public void Invalid_serializes_to_a_valid_OperationOutcome()
    {
        var outcome = OperationOutcomes.Invalid([new FhirParseIssue("Patient.gender", "Code 'xx' is not valid.")]);

        var node = JsonNode.Parse(FhirJson.Serialize(outcome))!;

        node["resourceType"]!.GetValue<string>().Should().Be("OperationOutcome");
        var issue = node["issue"]![0]!;
        issue["severity"]!.GetValue<string>().Should().Be("error");
        issue["code"]!.GetValue<string>().Should().Be("invalid");
        issue["diagnostics"]!.GetValue<string>().Should().Be("Code 'xx' is not valid.");
        issue["expression"]!.AsArray().Select(e => e!.GetValue<string>()).Should().Equal("Patient.gender");
        // What the gateway answers it must itself parse strictly.
        FhirJson.Parse<OperationOutcome>(FhirJson.Serialize(outcome)).Issue.Should().ContainSingle();
    }

    [Fact]
    public void Error_warning_and_information_carry_their_severity_code_and_expression()
    {
        var error = OperationOutcomes.Error("not-found", "Patient/p1 is not known.");
        var warning = OperationOutcomes.Warning("processing", "Ignored.", "Patient.telecom[0]");
        var information = OperationOutcomes.Information("All OK.");

        var e = error.Issue.Should().ContainSingle().Subject;
        e.Severity.Should().Be(OperationOutcome.IssueSeverity.Error);
        e.Code.Should().Be(OperationOutcome.IssueType.NotFound);
        e.Diagnostics.Should().Be("Patient/p1 is not known.");
        e.Expression.Should().BeEmpty();

        var w = warning.Issue.Should().ContainSingle().Subject;
        w.Severity.Should().Be(OperationOutcome.IssueSeverity.Warning);
        w.Code.Should().Be(OperationOutcome.IssueType.Processing);
        w.Expression.Should().Equal("Patient.telecom[0]");

        var i = information.Issue.Should().ContainSingle().Subject;
        i.Severity.Should().Be(OperationOutcome.IssueSeverity.Information);
        i.Code.Should().Be(OperationOutcome.IssueType.Informational);
    }

    [Fact]
    public void An_issue_code_outside_the_issue_type_value_set_is_a_programming_error()
    {
        var act = () => OperationOutcomes.Error("no-such-code", "x");

        act.Should().Throw<ArgumentException>().WithMessage("*no-such-code*");
    }

    [Theory]
    [InlineData(400, "invalid")]
    [InlineData(404, "not-found")]
    [InlineData(410, "deleted")]
    [InlineData(405, "not-supported")]
    [InlineData(409, "conflict")]
    [InlineData(412, "conflict")]
    [InlineData(422, "processing")]
    public void FhirOperationException_becomes_an_error_outcome_with_its_code(int status, string code)
    {
        var ex = status switch
        {
            400 => FhirOperationException.BadRequest("m", "Patient.id"),
            404 => FhirOperationException.NotFound("m"),
            410 => FhirOperationException.Gone("m"),
            405 => FhirOperationException.MethodNotAllowed("m"),
            409 => FhirOperationException.Conflict("m"),
            412 => FhirOperationException.PreconditionFailed("m"),
            _ => FhirOperationException.Unprocessable("m"),
        };

        ex.StatusCode.Should().Be(status);
        ex.IssueCode.Should().Be(code);
        var issue = ex.ToOutcome().Issue.Should().ContainSingle().Subject;
        issue.Severity.Should().Be(OperationOutcome.IssueSeverity.Error);
        Hl7.Fhir.Utility.EnumUtility.GetLiteral(issue.Code).Should().Be(code);
        issue.Diagnostics.Should().Be("m");
        issue.Expression.Should().Equal(status == 400 ? ["Patient.id"] : []);
    }
}
