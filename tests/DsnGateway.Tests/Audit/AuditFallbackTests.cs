using System.Net;
using Dapper;
using DsnGateway.Audit;
using DsnGateway.Tests.Authorization;
using Microsoft.Data.Sqlite;
using static DsnGateway.Tests.Authorization.AccessKit;

namespace DsnGateway.Tests.Audit;

/// <summary>
/// A request refused because audit.db cannot be written still becomes an AuditEvent: kept in the instance's fallback
/// file, written into the chain once the store takes records again, and only once.
/// </summary>
public class AuditFallbackTests
{
    [Fact]
    public async Task Requests_refused_while_the_audit_is_down_become_AuditEvents_once_when_it_returns()
    {
        await using var gateway = await OwnGateway.StartAsync(new Dictionary<string, string?> { ["Audit:BusyTimeoutSeconds"] = "0.2" });
        using var clinician = gateway.Client();
        (await clinician.GetAsync($"fhir/Patient/{Tremblay}")).StatusCode.Should().Be(HttpStatusCode.OK);
        var fallback = Path.Combine(gateway.DataDirectory, AuditFallbackFile.FileName);

        await using (var holder = OpenAudit(gateway.DataDirectory))
        {
            await holder.OpenAsync();
            await holder.ExecuteAsync("BEGIN EXCLUSIVE");
            foreach (var url in new[] { $"fhir/Patient/{Tremblay}", $"fhir/Patient/{Gagnon}", "fhir/MedicationRequest/sample-mr-tremblay-1" })
            {
                using var refused = await clinician.GetAsync(url);
                refused.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable, url);
            }
            using (var write = await clinician.PostAsync("fhir/Patient", GatewayFixture.Json(NewPatient(NimMrn, out _))))
            {
                write.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
            }
            File.ReadAllLines(fallback).Should().HaveCount(4, "each refusal is on disk before its caller is answered");
            await holder.ExecuteAsync("ROLLBACK");
        }

        // The store takes records again: the next request's batch brings the refusals in first.
        (await clinician.GetAsync($"fhir/Patient/{Tremblay}")).StatusCode.Should().Be(HttpStatusCode.OK);
        var refusals = await RefusalsAsync(gateway.DataDirectory);
        refusals.Should().HaveCount(4);
        refusals.Should().ContainSingle(json => json.Contains("it would have been 403"), "the refused access to a patient outside the care relationship");
        refusals.Should().ContainSingle(json => json.Contains("before the write was forwarded"));
        File.Exists(fallback).Should().BeFalse("the refusals are in the chain now");

        // Never twice: more requests, and a restart of the gateway on the same data directory.
        (await clinician.GetAsync($"fhir/Patient/{Tremblay}")).StatusCode.Should().Be(HttpStatusCode.OK);
        await gateway.StopAsync();
        await using var again = await OwnGateway.StartAsync(dataDirectory: gateway.DataDirectory);
        using (var second = again.Client())
        {
            (await second.GetAsync($"fhir/Patient/{Tremblay}")).StatusCode.Should().Be(HttpStatusCode.OK);
        }
        (await RefusalsAsync(gateway.DataDirectory)).Should().HaveCount(4);
        (await AuditChain.VerifyAsync(new AuditStore(Path.Combine(gateway.DataDirectory, AuditStore.FileName)), CancellationToken.None)).IsIntact.Should().BeTrue();
    }

    [Fact]
    public async Task An_entry_the_file_still_holds_after_a_crash_is_not_written_twice()
    {
        var directory = AuditTestData.NewDataDirectory();
        var store = new AuditStore(Path.Combine(directory, AuditStore.FileName));
        try
        {
            var fallback = new AuditFallbackFile(Path.Combine(directory, AuditFallbackFile.FileName));
            fallback.Append([AuditTestData.Read("p1", status: 503), AuditTestData.Read("p2", status: 503)]);
            var beforeTheRewrite = await File.ReadAllBytesAsync(fallback.FilePath);

            await using (var first = new AuditWriter(store, new AuditEventFactory(), fallback: fallback))
            {
                await first.StartAsync(CancellationToken.None);
                await first.StopAsync(CancellationToken.None);
            }
            File.Exists(fallback.FilePath).Should().BeFalse();
            // A crash after the commit, before the file was rewritten: the file still holds both.
            await File.WriteAllBytesAsync(fallback.FilePath, beforeTheRewrite);
            await using (var second = new AuditWriter(store, new AuditEventFactory(), fallback: fallback))
            {
                await second.StartAsync(CancellationToken.None);
                await second.StopAsync(CancellationToken.None);
            }

            var verification = await AuditChain.VerifyAsync(store, CancellationToken.None);
            verification.IsIntact.Should().BeTrue();
            verification.IntactRecords.Should().Be(2);
            File.Exists(fallback.FilePath).Should().BeFalse();
        }
        finally
        {
            AuditTestData.Delete(directory, store);
        }
    }

    [Fact]
    public void A_line_cut_short_by_a_crash_costs_only_itself()
    {
        var directory = AuditTestData.NewDataDirectory();
        try
        {
            var fallback = new AuditFallbackFile(Path.Combine(directory, AuditFallbackFile.FileName));
            fallback.Append([AuditTestData.Read("p1", status: 503)]);
            File.AppendAllText(fallback.FilePath, "{\"Id\":\"cut\",\"Record\":{\"Recor");
            fallback.Append([AuditTestData.Read("p2", status: 503)]);

            fallback.Read().Select(e => e.Record.ResourceId).Should().Equal("p1", "p2");
        }
        finally
        {
            AuditTestData.Delete(directory);
        }
    }

    private static SqliteConnection OpenAudit(string dataDirectory) => new(new SqliteConnectionStringBuilder
    {
        DataSource = Path.Combine(dataDirectory, AuditStore.FileName),
        Pooling = false,
        DefaultTimeout = 30,
    }.ToString());

    private static async Task<List<string>> RefusalsAsync(string dataDirectory)
    {
        await using var connection = OpenAudit(dataDirectory);
        await connection.OpenAsync();
        return [.. await connection.QueryAsync<string>("SELECT json FROM audit_event WHERE json LIKE '%audit fallback file%' ORDER BY seq")];
    }
}
