using System.CommandLine;
using DsnGateway.Fhir.Serialization;
using DsnGateway.Hl7v2.Parsing;
using DsnGateway.Hosting;
using DsnGateway.Ingestion;
using DsnGateway.Mapping.Bundles;
using DsnGateway.Mapping.Establishments;

namespace DsnGateway.Cli;

/// <summary>
/// <c>map &lt;file&gt;</c>: prints the FHIR transaction Bundle an HL7 v2 message would become, storing nothing:
/// the integration team's tool for onboarding a sender. Exit 1 with the reason when it would be refused.
/// </summary>
public static class MapCommand
{
    private static readonly Argument<FileInfo> File = new("file") { Description = "An HL7 v2 message (ER7)" };
    private static readonly Option<string?> Establishment = new("--establishment") { Description = "With --kind: a CSV export of this establishment (arrives with CSV import)" };
    private static readonly Option<string?> Kind = new("--kind") { Description = "With --establishment: patients, medication-orders or procedures" };

    public static Command Create()
    {
        var command = new Command("map", "Print the FHIR Bundle a message would become, storing nothing.") { File, Establishment, Kind };
        command.SetAction(Run);
        return command;
    }

    private static int Run(ParseResult result)
    {
        if (result.GetValue(Establishment) is not null || result.GetValue(Kind) is not null)
        {
            Console.Error.WriteLine("CSV mapping (--establishment, --kind) is not in this release; map takes an HL7 v2 message.");
            return 2;
        }
        var file = result.GetValue(File)!;
        if (!file.Exists)
        {
            Console.Error.WriteLine($"{file.FullName} does not exist.");
            return 1;
        }
        var paths = GatewayCommandLine.Paths(result);
        var configuration = GatewayConfiguration.Build(paths, GatewayConfiguration.EnvironmentName(), new Dictionary<string, string?>());
        var ingestion = configuration.GetSection(IngestionOptions.Section).Get<IngestionOptions>() ?? new IngestionOptions();
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
        var codes = CodeMapFile.Load(paths, ingestion, senders);
        var mapped = new MessageBundleBuilder(senders, codes).Build(parsed.Message, DateTimeOffset.UtcNow);
        if (!mapped.IsSuccess)
        {
            Console.Error.WriteLine($"would be refused (AE): {mapped.Error}");
            return 1;
        }
        Console.Out.WriteLine(FhirJson.Serialize(mapped.Value!.Bundle, indented: true));
        // On stderr, so that stdout stays the Bundle alone.
        foreach (var code in mapped.Value.Unmapped)
            Console.Error.WriteLine($"unmapped {code.Kind.ToString().ToLowerInvariant()} code {code.System}|{code.Code}: add it to {ingestion.CodeMapsFile}");
        return 0;
    }
}
