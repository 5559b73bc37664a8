using System.CommandLine;
using System.Globalization;
using CsvHelper;
using DsnGateway.Ingestion;
using DsnGateway.Ingestion.Csv;
using DsnGateway.Mapping.Csv;
using Spectre.Console;

namespace DsnGateway.Cli;

/// <summary>
/// <c>import &lt;establishment&gt; &lt;kind&gt; &lt;file&gt; [--layout NAME] [--rejects &lt;file&gt;]</c>: a CSV export into the durable
/// inbox, with a progress bar on a terminal and plain progress lines otherwise (counted in rows done, against the
/// rows of the file). A file that fits no layout or is not in its layout's encoding is refused whole (exit 1,
/// nothing imported). Prints the accepted (new, updated, unchanged) and rejected counts;
/// rejected rows (line, reason, row) go to <c>&lt;file&gt;.rejects.csv</c>. Exit 0 when the file was processed, even
/// with rejects; 1 when the import itself failed (run it again: what was committed stays, nothing is doubled);
/// 2 on a usage error. Returns once the accepted rows are committed; the gateway delivers them.
/// </summary>
internal static class ImportCommand
{
    private static readonly Argument<string> Establishment = new("establishment") { Description = "Establishment code, e.g. NIM" };
    private static readonly Argument<string> Kind = new("kind") { Description = "patients, medication-orders or procedures" };
    private static readonly Argument<FileInfo> File = new("file") { Description = "The export (CSV) in the establishment's configured layout" };
    private static readonly Option<FileInfo?> Rejects = new("--rejects") { Description = "Where rejected rows go (default <file>.rejects.csv)" };
    private static readonly Option<string?> Layout = CsvCommandSetup.LayoutOption();

    public static Command Create()
    {
        var command = new Command("import", "Import a CSV export of a legacy system into the record (through the durable inbox).")
        {
            Establishment, Kind, File, Rejects, Layout,
        };
        command.SetAction(RunAsync);
        return command;
    }

    private static async Task<int> RunAsync(ParseResult result, CancellationToken cancellationToken)
    {
        var file = result.GetValue(File)!;
        var setup = CsvCommandSetup.Resolve(result, result.GetValue(Establishment)!, result.GetValue(Kind)!, result.GetValue(Layout), out var exit);
        if (setup is null) return exit;
        if (!file.Exists)
        {
            // A missing input is a failed run (1), not a usage error: the command line itself was right.
            Console.Error.WriteLine($"{file.FullName} does not exist.");
            return 1;
        }
        var rejectsPath = result.GetValue(Rejects)?.FullName ?? file.FullName + ".rejects.csv";
        // A rejects file from an earlier run would be mistaken for this one's.
        if (System.IO.File.Exists(rejectsPath)) System.IO.File.Delete(rejectsPath);

        await using var rejects = new RejectsFile(rejectsPath);
        try
        {
            await using var services = await CommandServices.OpenAsync(result, cancellationToken);
            await using var input = new FileStream(file.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
            var interactive = !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
            CsvImportResult outcome;
            if (interactive)
            {
                outcome = await AnsiConsole.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                    .StartAsync(async context =>
                    {
                        var task = context.AddTask($"{setup.Layouts[0].Establishment.Code} {CsvKinds.Name(setup.Layouts[0].Kind)}", maxValue: 1);
                        var bar = new BarProgress(task);
                        var done = await services.CsvImporter.ImportAsync(setup.Layouts, input, file.Name, rejects.WriteAsync, bar, cancellationToken);
                        task.Value = task.MaxValue;
                        return done;
                    });
            }
            else
            {
                outcome = await services.CsvImporter.ImportAsync(setup.Layouts, input, file.Name, rejects.WriteAsync, new PlainProgress(), cancellationToken);
            }
            Console.Out.WriteLine($"accepted {outcome.Accepted} (new {outcome.New}, updated {outcome.Updated}, unchanged {outcome.Unchanged}), rejected {outcome.Rejected}");
            if (outcome.Rejected > 0) Console.Out.WriteLine($"rejects: {rejectsPath}");
            if (outcome.Unmapped.Count > 0)
                Console.Out.WriteLine($"unmapped codes: {outcome.Unmapped.Count} distinct local codes without a code map ({outcome.Unmapped.Values.Sum()} rows)");
            return 0;
        }
        catch (CsvFileException ex)
        {
            Console.Error.WriteLine($"import failed, nothing imported: {ex.Message}");
            return 1;
        }
        catch (Exception ex) when (ex is InboxUnavailableException or HttpRequestException or Proxy.RecordStoreException or IOException)
        {
            Console.Error.WriteLine($"import failed: {ex.Message} (rows committed so far are kept; run the import again to finish it)");
            return 1;
        }
    }

    /// <summary>The rejects file, created at the first rejected row: line, reason and the row as it was.</summary>
    private sealed class RejectsFile(string path) : IAsyncDisposable
    {
        private CsvWriter? _writer;

        public async ValueTask WriteAsync(CsvReject reject)
        {
            if (_writer is null)
            {
                _writer = new CsvWriter(new StreamWriter(path, append: false, new System.Text.UTF8Encoding(false)), CultureInfo.InvariantCulture);
                _writer.WriteField("line");
                _writer.WriteField("reason");
                _writer.WriteField("row");
                await _writer.NextRecordAsync();
            }
            _writer.WriteField(reject.Line);
            _writer.WriteField(reject.Reason);
            _writer.WriteField(reject.RawText ?? "");
            await _writer.NextRecordAsync();
        }

        public async ValueTask DisposeAsync()
        {
            if (_writer is not null) await _writer.DisposeAsync();
        }
    }

    /// <summary>Plain lines for logs and pipes: one every 10% of the rows, and the last one when every row is done.</summary>
    private sealed class PlainProgress : IProgress<CsvImportProgress>
    {
        private int _next;

        public void Report(CsvImportProgress value)
        {
            var percent = value.Percent;
            if (percent / 10 < _next && percent < 100) return;
            _next = percent / 10 + 1;
            Console.Out.WriteLine($"progress: {value.Rows} of {value.TotalRows} rows ({percent}%), {value.Accepted} accepted, {value.Rejected} rejected");
        }
    }

    private sealed class BarProgress(ProgressTask task) : IProgress<CsvImportProgress>
    {
        public void Report(CsvImportProgress value)
        {
            task.MaxValue = Math.Max(1, value.TotalRows);
            task.Value = Math.Min(value.Rows, task.MaxValue);
            task.Description = $"{value.Rows} rows, {value.Rejected} rejected";
        }
    }
}
