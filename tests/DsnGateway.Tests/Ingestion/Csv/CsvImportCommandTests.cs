using System.Diagnostics;
using DsnGateway.Fhir.Serialization;
using DsnGateway.Ingestion.Csv;
using Hl7.Fhir.Model;
using Microsoft.Data.Sqlite;
using Task = System.Threading.Tasks.Task;

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
            (await missing.WaitForExitAsync()).Should().Be(1, "a missing input file is a failed run, not a usage error: " + missing.Output);

        await using (var import = GatewayProcess.Start(["import", "mcq", "patients", file, "--data-dir", data]))
        {
            (await import.WaitForExitAsync()).Should().Be(0, import.Output);
            import.StandardOutput.Should().Contain("accepted 2 (new 2, updated 0, unchanged 0), rejected 1");
            // Not a terminal: plain progress lines, the last one agreeing with the summary.
            import.StandardOutput.Split('\n').Last(l => l.StartsWith("progress:", StringComparison.Ordinal))
                .Should().Be("progress: 3 of 3 rows (100%), 2 accepted, 1 rejected");
        }
        var rejects = await File.ReadAllLinesAsync(file + ".rejects.csv");
        rejects[0].Should().Be("line,reason,row");
        rejects[1].Should().StartWith("4,missing required field: health_number or mrn,");

        await using (var again = GatewayProcess.Start(["import", "MCQ", "patients", file, "--data-dir", data, "--rejects", Path.Combine(_root, "r.csv")]))
        {
            (await again.WaitForExitAsync()).Should().Be(0, again.Output);
            again.StandardOutput.Should().Contain("accepted 2 (new 0, updated 0, unchanged 2), rejected 1");
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
        bundles[0].Entry.Select(e => e.Request!.Url).Should().Equal("Patient?identifier=urn:dsn:mrn:nim|NIM42",
            "MedicationRequest?identifier=urn:dsn:order:nim:placer|RX42", $"Provenance/{bundles[0].Entry[2].Resource!.Id}");
        map.Output.Should().Contain("line 3: missing required field");
        Directory.Exists(data).Should().BeFalse("map stores nothing");

        await using var usage = GatewayProcess.Start(["map", file, "--establishment", "NIM", "--data-dir", data]);
        (await usage.WaitForExitAsync()).Should().Be(2);
    }

    [Fact]
    public async Task An_import_killed_before_the_end_of_its_file_admits_nothing_and_an_interrupted_import_run_again_applies_every_row_once()
    {
        const int rows = 600;
        var data = Path.Combine(_root, "data");
        var lines = Enumerable.Range(0, rows).Select(EnglishPatient).ToArray();
        var file = Path.Combine(_root, "patients.csv");
        await File.WriteAllBytesAsync(file, CsvFixtures.English(CsvFixtures.EnglishPatientHeader, lines));

        // A pipe: half the file is written, then SIGKILL. The encoding is checked over the whole file before any row
        // is admitted, so the rows already read are not in the inbox (spooled to a private temporary file only).
        var fifo = Path.Combine(_root, "patients.fifo");
        using (var mkfifo = Process.Start("mkfifo", [fifo])) await mkfifo.WaitForExitAsync();
        await using (var first = GatewayProcess.Start(["import", "MCQ", "patients", fifo, "--data-dir", data]))
        {
            await using (var pipe = new FileStream(fifo, FileMode.Open, FileAccess.Write))
            {
                await pipe.WriteAsync(CsvFixtures.English(CsvFixtures.EnglishPatientHeader, lines[..(rows / 2)]));
                await pipe.FlushAsync();
                await first.KillAsync();
            }
        }
        (await CountAsync(Path.Combine(data, "inbox.db"))).Should().Be(0);

        // What an import stopped between two batch commits leaves: the first rows committed (the same control ids
        // whatever file they came in: key and text). Run again on the whole file, each row is applied once.
        var half = Path.Combine(_root, "half.csv");
        await File.WriteAllBytesAsync(half, CsvFixtures.English(CsvFixtures.EnglishPatientHeader, lines[..(rows / 2)]));
        await using (var partial = GatewayProcess.Start(["import", "MCQ", "patients", half, "--data-dir", data]))
            (await partial.WaitForExitAsync()).Should().Be(0, partial.Output);
        await using (var second = GatewayProcess.Start(["import", "MCQ", "patients", file, "--data-dir", data]))
        {
            (await second.WaitForExitAsync()).Should().Be(0, second.Output);
            second.StandardOutput.Should().Contain($"accepted {rows} (new {rows / 2}, updated 0, unchanged {rows / 2}), rejected 0");
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
        ((Patient)one.Entry[0].Resource!).Meta!.VersionId.Should().Be("1", "the row committed by the first run was not applied twice");
    }

    [Fact]
    public async Task A_file_in_the_wrong_encoding_is_refused_by_import_and_map_with_exit_1_and_nothing_imported()
    {
        var data = Path.Combine(_root, "data");
        var file = Path.Combine(_root, "nim-en.csv");
        // NIM's English export is declared UTF-8; this one was saved in Windows-1252 (é is the byte 0xE9).
        await File.WriteAllBytesAsync(file, CsvFixtures.Windows1252.GetBytes(
            "health_number,chart_no,last_name,first_name,birth_date,sex,street,city,postal_code,phone,extracted_at\n" +
            ",W1,Tremblay,Noah,2001-01-30,M,,Laval,,,2026-11-21 09:00:00\n,W2,Gagnon-Bélanger,Ève,1978-03-14,F,,,,,2026-11-21 09:00:00\n"));

        await using (var import = GatewayProcess.Start(["import", "NIM", "patients", file, "--layout", "en", "--data-dir", data]))
        {
            (await import.WaitForExitAsync()).Should().Be(1, import.Output);
            import.Output.Should().Contain("line 3, column 13: byte 0xE9 is not valid UTF-8").And.Contain("windows-1252");
            import.StandardOutput.Should().NotContain("accepted");
        }
        (await CountAsync(Path.Combine(data, "inbox.db"))).Should().Be(0, "not even the unaccented line 2 is admitted");

        await using var map = GatewayProcess.Start(["map", file, "--establishment", "NIM", "--kind", "patients", "--data-dir", data]);
        (await map.WaitForExitAsync()).Should().Be(1, map.Output);
        map.Output.Should().Contain("line 3, column 13: byte 0xE9 is not valid UTF-8");
        map.StandardOutput.Should().NotContain("Bundle");
    }

    [Fact]
    public async Task Map_and_import_word_a_reject_the_same_way_naming_the_files_column_and_value()
    {
        var data = Path.Combine(_root, "data");
        var file = Path.Combine(_root, "nim-patients.csv");
        await File.WriteAllBytesAsync(file, CsvFixtures.French(CsvFixtures.FrenchPatientHeader, ";R1;Roy;Luc;31/02/1978;Homme;;;;;;20/11/2026 08:30"));
        const string reason = "Date de naissance: 31/02/1978 is not a date (expected dd/MM/yyyy)";

        await using (var map = GatewayProcess.Start(["map", file, "--establishment", "NIM", "--kind", "patients", "--data-dir", data]))
        {
            (await map.WaitForExitAsync()).Should().Be(0, map.Output);
            map.Output.Should().Contain($"line 2: {reason}");
        }
        await using (var import = GatewayProcess.Start(["import", "NIM", "patients", file, "--data-dir", data]))
            (await import.WaitForExitAsync()).Should().Be(0, import.Output);
        (await File.ReadAllLinesAsync(file + ".rejects.csv"))[1].Should().StartWith($"2,{reason},");

        await using var unknown = GatewayProcess.Start(["import", "NIM", "patients", file, "--layout", "de", "--data-dir", data]);
        (await unknown.WaitForExitAsync()).Should().Be(2, unknown.Output);
        unknown.Output.Should().Contain("No CSV layout 'de' for NIM patients").And.Contain("fr (windows-1252").And.Contain("en (utf-8");
    }

    [Fact]
    public async Task Progress_counts_rows_done_against_the_rows_of_the_file_and_reaches_100_only_at_the_end()
    {
        var rows = CsvImporter.BatchSize * 2 + 100;
        var data = Path.Combine(_root, "data");
        var file = Path.Combine(_root, "many.csv");
        await File.WriteAllBytesAsync(file, CsvFixtures.English(CsvFixtures.EnglishPatientHeader, [.. Enumerable.Range(0, rows).Select(EnglishPatient)]));

        await using var import = GatewayProcess.Start(["import", "MCQ", "patients", file, "--data-dir", data]);

        (await import.WaitForExitAsync()).Should().Be(0, import.Output);
        var progress = import.StandardOutput.Split('\n').Where(l => l.StartsWith("progress:", StringComparison.Ordinal))
            .Select(l => System.Text.RegularExpressions.Regex.Match(l, @"^progress: (\d+) of (\d+) rows \((\d+)%\)"))
            .Select(m => (Done: long.Parse(m.Groups[1].Value), Total: long.Parse(m.Groups[2].Value), Percent: int.Parse(m.Groups[3].Value))).ToList();
        progress.Should().HaveCountGreaterThan(1);
        progress.Should().OnlyContain(p => p.Total == rows && p.Percent == (int)(p.Done * 100 / rows));
        progress.Select(p => p.Done).Should().BeInAscendingOrder();
        progress[^1].Done.Should().Be(rows);
        progress.Where(p => p.Percent == 100).Should().ContainSingle("100 % is printed once, when the last row is done");
    }

    [Fact]
    public async Task The_readmes_sample_exports_import_without_a_reject()
    {
        var data = Path.Combine(_root, "data");
        var samples = Path.Combine(RepositoryRoot, "config", "sample-data");
        // Patients first: orders and procedures name patients the earlier imports committed.
        string[][] imports =
        [
            ["NIM", "patients", "nim-patients-fr.csv"], ["NIM", "patients", "nim-patients-en.csv"], ["MCQ", "patients", "mcq-patients-en.csv"],
            ["NIM", "medication-orders", "nim-medication-orders-fr.csv"], ["NIM", "procedures", "nim-procedures-fr.csv"],
            ["NIM", "procedures", "nim-procedures-en.csv"], ["MCQ", "medication-orders", "mcq-medication-orders-en.csv"],
            ["MCQ", "procedures", "mcq-procedures-en.csv"],
        ];
        foreach (var (establishment, kind, name) in imports.Select(i => (i[0], i[1], i[2])))
        {
            var copy = Path.Combine(_root, name); // the rejects file would go beside it
            File.Copy(Path.Combine(samples, name), copy);
            await using var import = GatewayProcess.Start(["import", establishment, kind, copy, "--data-dir", data]);
            (await import.WaitForExitAsync()).Should().Be(0, import.Output);
            import.StandardOutput.Should().MatchRegex(@"accepted [1-9]\d* \(new [1-9]\d*, updated 0, unchanged 0\), rejected 0", name);
        }
        Directory.GetFiles(samples, "*.csv").Select(Path.GetFileName).Should().BeEquivalentTo(imports.Select(i => i[2]), "one export per layout, all imported here");
    }

    private static string RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "DsnGateway.sln"))) return dir.FullName;
            }
            throw new InvalidOperationException("repository root not found above " + AppContext.BaseDirectory);
        }
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
