using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using DsnGateway.Ingestion.Csv;
using DsnGateway.Mapping.Identity;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;

namespace DsnGateway.Tests.Ingestion.Csv;

/// <summary>
/// Imports larger than one batch (<see cref="CsvImporter.BatchSize"/>): the next batch is resolved while the one before
/// it commits, so identities bound by rows not yet committed must still be seen; and the record store is asked only
/// when it may know an identifier, but always when it may.
/// </summary>
public sealed class CsvBatchImportTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private HttpClient System(string establishment) => fixture.ClientWith(fixture.Token(role: "system", scope: "system/*.cu", establishment: establishment));

    private static string Row(string nam, string mrn, DateOnly birth) =>
        $"{nam},{mrn},Lot,Test,{birth:yyyy-MM-dd},F,,,,,,2026-11-21 08:00:00";

    private async Task<JsonElement> ImportAsync(string establishment, byte[] file)
    {
        var content = new ByteArrayContent(file);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        using var response = await System(establishment).PostAsync($"ingest/csv/{establishment.ToLowerInvariant()}/patients", content);
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    [Fact]
    public async Task An_mrn_bound_in_this_batch_the_one_before_or_any_earlier_is_a_conflict_whatever_the_batch_boundaries()
    {
        var n = Guid.NewGuid().ToString("N")[..6].ToUpperInvariant();
        var start = new DateOnly(1940, 1, 1);
        var rows = new List<string>();
        // Line 2 binds MRN B{n} to its NAM; lines 3.. are other people; the same MRN comes back with other NAMs right
        // after it, around the first batch boundary and at the end of the file.
        var rowCount = CsvImporter.BatchSize + 300;
        for (var i = 0; i < rowCount; i++)
        {
            var birth = start.AddDays(i);
            rows.Add(Row(CsvFixtures.Nam("LOTQ", birth, female: true, 17), $"B{n}{i}", birth));
        }
        var conflicts = new[] { 1, CsvImporter.BatchSize - 1, CsvImporter.BatchSize, CsvImporter.BatchSize + 1, rowCount - 1 };
        foreach (var i in conflicts)
        {
            var birth = start.AddDays(i);
            rows[i] = Row(CsvFixtures.Nam("LOTZ", birth, female: true, 17), $"B{n}0", birth);
        }

        var answer = await ImportAsync("MCQ", CsvFixtures.English(CsvFixtures.EnglishPatientHeader, [.. rows]));

        answer.GetProperty("accepted").GetInt64().Should().Be(rowCount - conflicts.Length);
        var rejects = answer.GetProperty("rejects").EnumerateArray()
            .Select(r => (Line: r.GetProperty("line").GetInt64(), Reason: r.GetProperty("reason").GetString()!)).ToList();
        rejects.Select(r => r.Line).Should().Equal(conflicts.Select(i => i + 2L));
        rejects.Should().OnlyContain(r => r.Reason.StartsWith("identity conflict", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_patient_known_only_to_the_record_store_is_still_found_by_its_mrn()
    {
        var n = Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        var known = CsvFixtures.Nam("STOR", new DateOnly(1970, 5, 6), female: false, 31);
        // Created in the store directly (not through the inbox: the identity index does not know it).
        var patient = new Patient
        {
            Identifier =
            [
                new Identifier { System = QuebecHealthNumber.System, Value = known },
                new Identifier { System = "urn:dsn:mrn:mcq", Value = $"S{n}" },
            ],
            Name = [new HumanName { Family = "Magasin", Given = ["Seul"] }],
        };
        using (var created = await fixture.ClientWith(fixture.Token(establishment: "MCQ")).PostAsync("fhir/Patient", GatewayFixture.Json(patient)))
            created.StatusCode.Should().Be(HttpStatusCode.Created);

        var other = CsvFixtures.Nam("AUTR", new DateOnly(1971, 5, 6), female: false, 31);
        var answer = await ImportAsync("MCQ", CsvFixtures.English(CsvFixtures.EnglishPatientHeader,
            $"{other},S{n},Autre,Personne,1971-05-06,M,,,,,,2026-11-21 08:00:00"));

        answer.GetProperty("accepted").GetInt64().Should().Be(0);
        answer.GetProperty("rejects")[0].GetProperty("reason").GetString().Should().StartWith("identity conflict");
    }
}
