using System.CommandLine;
using DsnGateway.Fhir.Serialization;
using DsnGateway.Hl7v2.Parsing;
using DsnGateway.Ingestion;
using DsnGateway.Ingestion.Csv;
using DsnGateway.Mapping.Csv;
using DsnGateway.Mapping.Identity;
using DsnGateway.Mapping.Patients;
using DsnGateway.Mapping.Bundles;
using DsnGateway.Mapping.Establishments;

namespace DsnGateway.Cli;

/// <summary>
/// <c>map &lt;file&gt; [--establishment E --kind K] [--validate [--profiles DIR]]</c>: prints the FHIR transaction Bundle an HL7 v2
/// message (or the Bundles a CSV export) would become, storing nothing: the integration team's tool for onboarding a
/// sender. Exit 1 with the reason when it would be refused. With <c>--validate</c>, every resource is also validated
/// offline against base R4 and (Patients) the CA Baseline Patient profile; the findings go to stderr and any error
/// makes the exit code 1.
/// </summary>
internal static class MapCommand
{
    private static readonly Argument<FileInfo> File = new("file") { Description = "An HL7 v2 message (ER7)" };
    private static readonly Option<string?> Establishment = new("--establishment") { Description = "With --kind: the file is a CSV export of this establishment" };
    private static readonly Option<string?> Kind = new("--kind") { Description = "With --establishment: patients, medication-orders or procedures" };
    private static readonly Option<string?> Layout = CsvCommandSetup.LayoutOption();
    private static readonly Option<bool> Validate = new("--validate") { Description = "Validate each resource against R4 and the CA Baseline Patient profile (offline); exit 1 on errors" };
    private static readonly Option<string?> Profiles = new("--profiles") { Description = "With --validate: the folder of the CA Baseline StructureDefinitions (HL7 Canada's package, e.g. ../shared/quebec/ca-baseline). Without it: base R4 only" };

    public static Command Create()
    {
        var command = new Command("map", "Print the FHIR Bundle a message would become, storing nothing.") { File, Establishment, Kind, Layout, Validate, Profiles };
        command.SetAction(result => result.GetValue(Establishment) is not null || result.GetValue(Kind) is not null ? RunCsvAsync(result) : RunAsync(result));
        return command;
    }

    /// <summary>
    /// A CSV export: prints a JSON array of the transaction Bundles its rows would become (one per row), rejected rows
    /// to standard error as <c>line N: reason</c>. Nothing is stored and nothing is looked up: whether an order's
    /// patient is known, and identity conflicts, are decided at import, so here the subject is the row's own NAM
    /// (else MRN). The file is first checked as <c>import</c> checks it (layout, strict encoding): a refused file prints
    /// the same reason. Rejects are worded as <c>import</c> words them. Exit 0 when the file was read (even with
    /// rejects), 1 when it could not be or was refused, 2 on a usage error.
    /// </summary>
    private static async Task<int> RunCsvAsync(ParseResult result)
    {
        var establishment = result.GetValue(Establishment);
        var kind = result.GetValue(Kind);
        if (establishment is null || kind is null)
        {
            Console.Error.WriteLine("A CSV export needs both --establishment and --kind.");
            return 2;
        }
        var setup = CsvCommandSetup.Resolve(result, establishment, kind, result.GetValue(Layout), out var exit);
        if (setup is null) return exit;
        var file = result.GetValue(File)!;
        if (!file.Exists)
        {
            // As for an HL7 message (and import): a missing input is a failed run, not a usage error.
            Console.Error.WriteLine($"{file.FullName} does not exist.");
            return 1;
        }
        var validation = ValidationFor(result);
        if (result.GetValue(Validate) && validation is null) return 1;
        var seen = new Dictionary<string, long>(StringComparer.Ordinal);
        var output = Console.Out;
        var first = true;
        long rejected = 0;
        try
        {
            await using var input = file.OpenRead();
            var layout = CsvFileCheck.Run(input, setup.Layouts).Layout;
            var source = new CsvSource(layout.Establishment, layout.Kind, file.Name, DateTimeOffset.UtcNow);
            var mapper = new CsvRowMapper(layout, setup.Codes);
            using var reader = new CsvFileReader(input, layout);
            await foreach (var row in reader.ReadRowsAsync())
            {
                var mapped = mapper.Map(row);
                if (mapped.Reject is { } reject)
                {
                    rejected++;
                    await Console.Error.WriteLineAsync($"line {reject.Line}: {reject.Reason}");
                    continue;
                }
                var record = mapped.Record!;
                if (!seen.TryAdd(record.BusinessKey, record.Line))
                {
                    rejected++;
                    await Console.Error.WriteLineAsync($"line {record.Line}: {record.DuplicateReason(seen[record.BusinessKey])}");
                    continue;
                }
                var identity = record.Patient.Nam is { } nam
                    ? new PatientIdentity(PatientIdentityKind.Nam, QuebecHealthNumber.System, nam)
                    : new PatientIdentity(PatientIdentityKind.Mrn, layout.Establishment.MrnSystem, record.Patient.Mrn!);
                var bundle = CsvBundleBuilder.Build(record, source, identity, mapper.IdentityIdentifiers(record.Patient));
                if (record.Kind == CsvKind.Patients) CsvImporter.StampSourceTime(bundle, record.SourceTime ?? source.ImportedAt);
                // The import's strict check (Firely's parse of the Bundle as it would be stored): such a row is rejected there.
                var strict = StrictBundle.Check(bundle);
                if (!strict.IsValid)
                {
                    rejected++;
                    await Console.Error.WriteLineAsync($"line {record.Line}: {StrictBundle.Describe(strict.Issues)}");
                    continue;
                }
                // The array opens with its first Bundle, so a file refused at its header prints nothing on stdout.
                await output.WriteLineAsync(first ? "[" : ",");
                first = false;
                await output.WriteAsync(FhirJson.Serialize(bundle, indented: true));
                if (validation is not null) await validation.ValidateAsync(bundle, $"line {record.Line} ");
            }
            await output.WriteLineAsync(first ? "[" : "");
            await output.WriteLineAsync("]");
        }
        catch (CsvFileException ex)
        {
            // Stdout stays JSON (it is piped into jq): an array already opened is closed.
            if (!first) await output.WriteLineAsync(Environment.NewLine + "]");
            Console.Error.WriteLine($"refused: {ex.Message}");
            return 1;
        }
        if (rejected > 0) Console.Error.WriteLine($"{rejected} rows would be rejected");
        if (validation is null) return 0;
        await validation.SummaryAsync();
        return validation.HasErrors ? 1 : 0;
    }

    /// <summary>The validator when <c>--validate</c> is given (null otherwise, or when its profiles are missing).</summary>
    private static MapValidation? ValidationFor(ParseResult result) =>
        result.GetValue(Validate)
            ? MapValidation.Create(result.GetValue(Profiles))
            : null;

    private static async Task<int> RunAsync(ParseResult result)
    {
        var file = result.GetValue(File)!;
        if (!file.Exists)
        {
            Console.Error.WriteLine($"{file.FullName} does not exist.");
            return 1;
        }
        var paths = GatewayCommandLine.Paths(result);
        IngestionOptions ingestion;
        using (var command = CommandHost.Create(paths)) ingestion = command.Options<IngestionOptions>();
        var senders = SenderConfiguration.Load(Path.Combine(paths.ConfigDirectory, ingestion.SendersFile));

        var bytes = System.IO.File.ReadAllBytes(file.FullName);
        var head = Hl7Parser.ReadEnvelope(bytes.AsSpan(0, Math.Min(bytes.Length, 16 * 1024)));
        var sender = head is null ? null : senders.Find(head.SendingApplication.NamespaceId, head.SendingFacility.NamespaceId);
        var parsed = Hl7Parser.Parse(bytes, Hl7ParserOptions.Default with { DefaultCharacterSet = sender?.Establishment.DefaultEncoding });
        if (!parsed.IsSuccess)
        {
            Console.Error.WriteLine($"not parseable: {parsed.Error}");
            return 1;
        }
        var msh = parsed.Message!.Msh;
        if (sender is null)
        {
            Console.Error.WriteLine($"unknown sender {msh.SendingApplication.NamespaceId}/{msh.SendingFacility.NamespaceId}: register it in {ingestion.SendersFile}");
            return 1;
        }
        if (SupportedMessages.Check(msh.MessageCode, msh.TriggerEvent) is { } unsupported)
        {
            Console.Error.WriteLine($"{unsupported.Code}: {unsupported.Reason}");
            return 1;
        }
        var validation = ValidationFor(result);
        if (result.GetValue(Validate) && validation is null) return 1;
        var codes = CodeMapFile.Load(paths, ingestion, senders);
        var mapped = new MessageBundleBuilder(senders, codes).Build(parsed.Message, DateTimeOffset.UtcNow);
        if (!mapped.IsSuccess)
        {
            Console.Error.WriteLine($"would be refused (AE): {mapped.Error}");
            return 1;
        }
        // The intake's strict check (Firely's parse of the Bundle as it would be stored): such a message is answered AE.
        var strict = StrictBundle.Check(mapped.Value!.Bundle);
        if (!strict.IsValid)
        {
            Console.Error.WriteLine($"would be refused (AE): {StrictBundle.Describe(strict.Issues)}");
            return 1;
        }
        Console.Out.WriteLine(FhirJson.Serialize(mapped.Value!.Bundle, indented: true));
        // On stderr, so that stdout stays the Bundle alone.
        foreach (var code in mapped.Value.Unmapped)
            Console.Error.WriteLine($"unmapped {code.Kind.ToString().ToLowerInvariant()} code {code.System}|{code.Code}: add it to {ingestion.CodeMapsFile}");
        if (validation is null) return 0;
        await validation.ValidateAsync(mapped.Value.Bundle);
        await validation.SummaryAsync();
        return validation.HasErrors ? 1 : 0;
    }
}
