using System.Net;
using DsnGateway.Audit;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using DsnGateway.Fhir.Serialization;
using DsnGateway.Tests.Authorization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using static DsnGateway.Tests.Authorization.AccessKit;

namespace DsnGateway.Tests.Audit;

/// <summary>The audit as a guarantee: no record leaves unaudited, and a tampered audit is detected.</summary>
public class GatewayAuditFailureTests
{
    private static SqliteConnection OpenAudit(string dataDirectory) => new(new SqliteConnectionStringBuilder
    {
        DataSource = Path.Combine(dataDirectory, AuditStore.FileName),
        Pooling = false,
        DefaultTimeout = 30,
    }.ToString());

    [Fact]
    public async Task When_the_audit_cannot_be_written_the_caller_gets_503_and_no_patient_data()
    {
        await using var gateway = await OwnGateway.StartAsync(new Dictionary<string, string?> { ["Audit:BusyTimeoutSeconds"] = "0.2" });
        using var clinician = gateway.Client();
        (await clinician.GetAsync($"fhir/Patient/{Tremblay}")).StatusCode.Should().Be(HttpStatusCode.OK, "the audit works before the lock");

        await using (var holder = OpenAudit(gateway.DataDirectory))
        {
            await holder.OpenAsync();
            await using (var begin = holder.CreateCommand())
            {
                begin.CommandText = "BEGIN EXCLUSIVE";
                await begin.ExecuteNonQueryAsync();
            }

            foreach (var url in new[] { $"fhir/Patient/{Tremblay}", "fhir/Patient?family=Tremblay", "fhir/MedicationRequest/sample-mr-tremblay-1", $"fhir/Patient/{Gagnon}" })
            {
                using var response = await clinician.GetAsync(url);
                var body = await response.Content.ReadAsStringAsync();
                response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable, $"{url}: {body}");
                FhirJson.Parse<OperationOutcome>(body).Issue.Single().Code.Should().Be(OperationOutcome.IssueType.Transient);
                body.Should().NotContainAny("Tremblay", "Élise", "TREE85561512", "1985-06-15", "sample-mr-tremblay-1", "Gagnon");
                response.Headers.RetryAfter.Should().NotBeNull();
            }

            await using var rollback = holder.CreateCommand();
            rollback.CommandText = "ROLLBACK";
            await rollback.ExecuteNonQueryAsync();
        }

        using var again = await clinician.GetAsync($"fhir/Patient/{Tremblay}");
        again.StatusCode.Should().Be(HttpStatusCode.OK);
        (await again.Content.ReadAsStringAsync()).Should().Contain("Tremblay");
    }

    [Fact]
    public async Task When_the_audit_cannot_be_written_a_write_is_not_forwarded_and_after_it_no_intent_is_left()
    {
        await using var gateway = await OwnGateway.StartAsync(new Dictionary<string, string?> { ["Audit:BusyTimeoutSeconds"] = "0.2" });
        using var clinician = gateway.Client();
        var refusedPatient = NewPatient(NimMrn, out var refusedMrn);

        await using (var holder = OpenAudit(gateway.DataDirectory))
        {
            await holder.OpenAsync();
            await using (var begin = holder.CreateCommand())
            {
                begin.CommandText = "BEGIN EXCLUSIVE";
                await begin.ExecuteNonQueryAsync();
            }
            using var response = await clinician.PostAsync("fhir/Patient", GatewayFixture.Json(refusedPatient));
            response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable, await response.Content.ReadAsStringAsync());
            await using var rollback = holder.CreateCommand();
            rollback.CommandText = "ROLLBACK";
            await rollback.ExecuteNonQueryAsync();
        }
        // Its intent could not be made durable, so the write never reached the store.
        (await SearchAsync(clinician, $"fhir/Patient?identifier={NimMrn}|{refusedMrn}")).Entry.Should().BeNullOrEmpty();

        var created = await CreateAsync(clinician, NewPatient(NimMrn, out _));
        var store = gateway.Services.GetRequiredService<AuditStore>();
        (await store.ReadIntentsAsync(CancellationToken.None)).Should().BeEmpty("a completed write's record replaced its intent");
        var events = new List<StoredAuditEvent>();
        await foreach (var record in store.ReadChainAsync(CancellationToken.None)) events.Add(record);
        events.Should().ContainSingle(e => e.Json.Contains($"Patient/{created.Id}") && e.Json.Contains("\"action\":\"C\""));
    }

    [Fact]
    public async Task Editing_a_record_of_the_audit_is_found_by_audit_verify()
    {
        await using var gateway = await OwnGateway.StartAsync();
        using (var clinician = gateway.Client())
        {
            (await clinician.GetAsync($"fhir/Patient/{Tremblay}")).StatusCode.Should().Be(HttpStatusCode.OK);
            (await clinician.GetAsync($"fhir/Patient/{Gagnon}")).StatusCode.Should().Be(HttpStatusCode.Forbidden);
            (await clinician.GetAsync("fhir/Patient?_count=10")).StatusCode.Should().Be(HttpStatusCode.OK);
            (await clinician.GetAsync($"fhir/Patient/{Cote}")).StatusCode.Should().Be(HttpStatusCode.OK);
        }
        await gateway.StopAsync();

        await using (var intact = GatewayProcess.Start(["audit", "verify", "--data-dir", gateway.DataDirectory]))
        {
            (await intact.WaitForExitAsync()).Should().Be(0, intact.Output);
            intact.Output.Should().Contain("audit chain intact: 4 records");
        }

        // Someone hides the refused access: the 403 becomes a success.
        await using (var connection = OpenAudit(gateway.DataDirectory))
        {
            await connection.OpenAsync();
            await using var update = connection.CreateCommand();
            update.CommandText = "UPDATE audit_event SET json = replace(json, '\"outcome\":\"4\"', '\"outcome\":\"0\"'), outcome = '0' WHERE seq = 2";
            (await update.ExecuteNonQueryAsync()).Should().Be(1);
        }

        await using var verify = GatewayProcess.Start(["audit", "verify", "--data-dir", gateway.DataDirectory]);
        (await verify.WaitForExitAsync()).Should().Be(1, verify.Output);
        verify.Output.Should().Contain("broken at record 2");
    }
}
