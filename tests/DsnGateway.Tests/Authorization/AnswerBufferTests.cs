using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Task = System.Threading.Tasks.Task;
using static DsnGateway.Tests.Authorization.AccessKit;

namespace DsnGateway.Tests.Authorization;

/// <summary>The answer held back for the audit is capped: beyond Access:MaxBufferedAnswerBytes the caller is asked to page.</summary>
public sealed class AnswerBufferTests
{
    [Fact]
    public async Task An_answer_beyond_the_cap_is_refused_too_costly_asking_to_page_and_audited()
    {
        await using var gateway = await OwnGateway.StartAsync(new Dictionary<string, string?> { ["Access:MaxBufferedAnswerBytes"] = "1024" });
        var subject = Unique("dr.cap");
        using var clinician = gateway.Client(subject: subject);
        using var small = await clinician.GetAsync($"fhir/Patient/{Tremblay}");
        small.StatusCode.Should().Be(HttpStatusCode.OK, "an answer under the cap is released as before");

        using var large = await GetAsync(clinician, "fhir/Patient?_count=100", "urgence: test du plafond");
        var outcome = await ExpectOutcomeAsync(large, HttpStatusCode.BadRequest);
        outcome.Issue.Should().ContainSingle().Which.Code.Should().Be(Hl7.Fhir.Model.OperationOutcome.IssueType.TooCostly);
        outcome.Diagnostics().Should().Contain("_count");

        // Read from the store: an AuditEvent search would itself be beyond so small a cap.
        var store = gateway.Services.GetRequiredService<DsnGateway.Audit.AuditStore>();
        var events = new List<DsnGateway.Audit.StoredAuditEvent>();
        await foreach (var stored in store.ReadChainAsync(CancellationToken.None)) if (stored.Agent == subject) events.Add(stored);
        events.Should().Contain(e => e.Json.Contains("HTTP 400") && e.Json.Contains("_count"));
    }
}
