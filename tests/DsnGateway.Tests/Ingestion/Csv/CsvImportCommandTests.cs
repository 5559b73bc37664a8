using System.Diagnostics;
using DsnGateway.Fhir.Model;
using DsnGateway.Fhir.Serialization;
using Microsoft.Data.Sqlite;

namespace DsnGateway.Tests.Ingestion.Csv;

/// <summary>
/// The <c>import</c> and <c>map</c> commands as an operator runs them (the real executable): exit codes, the rejects
/// file, and an import killed with SIGKILL half-way then run again, each row applied exactly once.
/// </summary>
public sealed class CsvImportCommandTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "dsn-csv-cli", Guid.NewGuid().ToString("N"));

    public CsvImportCommandTests() => Directory.CreateDirectory(_root);

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    private static string EnglishPatient(int i)
    {
        var birth = new DateOnly(1950 + i % 50, 1 + i % 12, 1 + i % 28);
        var female = i % 2 == 0;
        var nam = CsvFixtures.Nam(Letters(i), birth, female, 0);
        return $"{nam},MCQK{i:D6},Interrompu{i},Test,{birth.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)},{(female ? "F" : "M")},,Trois-Rivières,QC,,,2026-11-20 08:00:00";
    }

    private static string Letters(int i) => new([(char)('A' + i % 26), (char)('A' + i / 26 % 26), (char)('A' + i / 676 % 26), 'K']);

    [Fact]
    public async Task Import_exit_codes_and_the_rejects_file()
    {
        var data = Path.Combine(_root, "data");
        var file = Path.Combine(_root, "patients.csv");
        await File.WriteAllBytesAsync(file, CsvFixtures.English(CsvFixtures.EnglishPatientHeader, EnglishPatient(1), EnglishPatient(2), ",,Nobody,Here,2000-01-01,M,,,,,,"));

        await using (var unknown = GatewayProcess.Start(["import", "XYZ", "patients", file, "--data-dir", data]))
            (await unknown.WaitForExitAsync()).Should().Be(2, unknown.Output);
        await using (var kind = GatewayProcess.Start(["import", "MCQ", "visits", file, "--data-dir", data]))
            (await kind.WaitForExitAsync()).Should().Be(2, kind.Output);
        await using (var missing = GatewayProcess.Start(["import", "MCQ", "patients", Path.Combine(_root, "none.csv"), "--data-dir", data]))
            (await missing.WaitForExitAsync()).Should().Be(2, missing.Output);

        await using (var import = GatewayProcess.Start(["import", "mcq", "patients", file, "--data-dir", data]))
        {
            (await import.WaitForExitAsync()).Should().Be(0, import.Output);
            import.StandardOutput.Should().Contain("accepted 2 (new 2, unchanged 0), rejected 1");
            // Not a terminal: plain progress lines, the last one agreeing with the summary (the file is read ahead of
            // the commits, so a line printed when the last bytes were read would undercount).
            import.StandardOutput.Split('\n').Last(l => l.StartsWith("progress:", StringComparison.Ordinal))
                .Should().Contain("3 rows (100%), 2 accepted, 1 rejected");
        }
        var rejects = await File.ReadAllLinesAsync(file + ".rejects.csv");
        rejects[0].Should().Be("line,reason,row");
        rejects[1].Should().StartWith("4,\"missing required field");

        await using (var again = GatewayProcess.Start(["import", "MCQ", "patients", file, "--data-dir", data, "--rejects", Path.Combine(_root, "r.csv")]))
        {
            (await again.WaitForExitAsync()).Should().Be(0, again.Output);
            again.StandardOutput.Should().Contain("accepted 2 (new 0, unchanged 2), rejected 1");
        }
        File.Exists(Path.Combine(_root, "r.csv")).Should().BeTrue();

        // A file that is not this layout's export: the import itself fails.
        var wrong = Path.Combine(_root, "wrong.csv");
        await File.WriteAllTextAsync(wrong, "a,b,c\n1,2,3\n");
        await using var failed = GatewayProcess.Start(["import", "MCQ", "patients", wrong, "--data-dir", data]);
        (await failed.WaitForExitAsync()).Should().Be(1, failed.Output);
        failed.Output.Should().Contain("health_number");
    }

    [Fact]
    public async Task Map_prints_the_bundles_of_a_csv_file_and_stores_nothing()
    {
        var file = Path.Combine(_root, "orders.csv");
        await File.WriteAllBytesAsync(file, CsvFixtures.French(CsvFixtures.FrenchOrderHeader,
            ";NIM42;RX42;;ACET500;Acétaminophène;1,5;comprimé;orale;q6h;actif;20/11/2026 09:15;95112;Dre Gagnon",
            ";NIM43;;;ACET500;;1;co;;;actif;20/11/2026;;"));
        var data = Path.Combine(_root, "data");

        await using var map = GatewayProcess.Start(["map", file, "--establishment", "NIM", "--kind", "medication-orders", "--data-dir", data]);

        (await map.WaitForExitAsync()).Should().Be(0, map.Output);
        using var document = System.Text.Json.JsonDocument.Parse(map.StandardOutput);
        var bundles = document.RootElement.EnumerateArray().Select(b => FhirJson.Parse<Bundle>(b.GetRawText())).ToList();
        bundles.Should().ContainSingle();
        bundles[0].Entry!.Select(e => e.Request!.Url).Should().Equal("Patient?identifier=urn:dsn:mrn:nim|NIM42",
            "MedicationRequest?identifier=urn:dsn:order:nim:placer|RX42", $"Provenance/{bundles[0].Entry![2].Resource!.Id}");
        map.Output.Should().Contain("line 3: missing required field");
        Directory.Exists(data).Should().BeFalse("map stores nothing");

        await using var usage = GatewayProcess.Start(["map", file, "--establishment", "NIM", "--data-dir", data]);
        (await usage.WaitForExitAsync()).Should().Be(2);
    }

    [Fact]
    public async Task An_import_killed_half_way_and_run_again_applies_every_row_exactly_once()
    {
        const int rows = 600;
        var data = Path.Combine(_root, "data");
        var lines = Enumerable.Range(0, rows).Select(EnglishPatient).ToArray();
        var file = Path.Combine(_root, "patients.csv");
        await File.WriteAllBytesAsync(file, CsvFixtures.English(CsvFixtures.EnglishPatientHeader, lines));

        // The first run reads a pipe: half the file is written, the importer commits it and waits for more; then SIGKILL.
        var fifo = Path.Combine(_root, "patients.fifo");
        using (var mkfifo = Process.Start("mkfifo", [fifo])) await mkfifo.WaitForExitAsync();
        await using (var first = GatewayProcess.Start(["import", "MCQ", "patients", fifo, "--data-dir", data]))
        {
            await using (var pipe = new FileStream(fifo, FileMode.Open, FileAccess.Write))
            {
                await pipe.WriteAsync(CsvFixtures.English(CsvFixtures.EnglishPatientHeader, lines[..(rows / 2)]));
                await pipe.FlushAsync();
                var inbox = Path.Combine(data, "inbox.db");
                for (var attempt = 0; attempt < 600 && await CountAsync(inbox) < rows / 2; attempt++) await Task.Delay(50);
                (await CountAsync(inbox)).Should().Be(rows / 2, first.Output);
                await first.KillAsync();
            }
        }

        await using (var second = GatewayProcess.Start(["import", "MCQ", "patients", file, "--data-dir", data]))
        {
            (await second.WaitForExitAsync()).Should().Be(0, second.Output);
            second.StandardOutput.Should().Contain($"accepted {rows} (new {rows / 2}, unchanged {rows / 2}), rejected 0");
        }

        await using var gateway = GatewayProcess.Start(["--urls", "http://127.0.0.1:0", "--mllp", "127.0.0.1:0", "--data-dir", data, "--no-sample-data"]);
        var address = await gateway.WaitUntilListeningAsync();
        var token = await GatewayProcess.TokenAsync(data, "--sub", "dr.test", "--scope", "user/*.rs", "--role", "clinician", "--establishment", "MCQ");
        using var client = new HttpClient { BaseAddress = address };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        Bundle count = null!;
        for (var attempt = 0; attempt < 600; attempt++)
        {
            count = FhirJson.Parse<Bundle>(await client.GetStringAsync("fhir/Patient?identifier=urn:dsn:mrn:mcq|&_summary=count"));
            if (count.Total >= rows) break;
            await Task.Delay(100);
        }
        count.Total.Should().Be(rows, "each row is applied exactly once");
        var one = FhirJson.Parse<Bundle>(await client.GetStringAsync("fhir/Patient?identifier=urn:dsn:mrn:mcq|MCQK000299"));
        one.Total.Should().Be(1);
        ((Patient)one.Entry![0].Resource!).Meta!.VersionId.Should().Be("1", "the row committed before the kill was not applied twice");
    }

    private static async Task<long> CountAsync(string inbox)
    {
        if (!File.Exists(inbox)) return 0;
        await using var connection = new SqliteConnection($"Data Source={inbox};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM messages WHERE sender_application = 'CSV:patients'";
        try
        {
            return (long)(await command.ExecuteScalarAsync())!;
        }
        catch (SqliteException)
        {
            return 0; // the schema is not created yet
        }
    }
}
