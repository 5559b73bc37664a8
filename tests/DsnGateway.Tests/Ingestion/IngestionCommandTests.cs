using System.Net;
using DsnGateway.Ingestion;
using Microsoft.Extensions.DependencyInjection;

namespace DsnGateway.Tests.Ingestion;

/// <summary>The integration team's commands: map (onboarding a sender) and the dead letters (list, replay).</summary>
public sealed class IngestionCommandTests : IDisposable
{
    // `map --validate` loads the whole R4 specification and the profiles before it checks anything: on a loaded
    // 2-core machine that alone took over a minute (seen with three other builds running), not a hang.
    private static readonly TimeSpan ValidationTimeout = TimeSpan.FromMinutes(4);

    private readonly string _root = Path.Combine(Path.GetTempPath(), "dsn-ingest-cli", Guid.NewGuid().ToString("N"));

    public IngestionCommandTests() => Directory.CreateDirectory(_root);

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task Map_prints_the_bundle_a_message_would_become_and_stores_nothing()
    {
        var file = Path.Combine(_root, "a01.hl7");
        await File.WriteAllBytesAsync(file, AdtMessages.Utf8(AdtMessages.A01("ADT_NIM", "NIM", "MAP1", "LAVS90541234^^^RAMQ^JHN~NIM777^^^NIM^MR", "Lavoie^Sophie", "19900412", "F")));
        var data = Path.Combine(_root, "data");

        await using var map = GatewayProcess.Start(["map", file, "--data-dir", data]);
        (await map.WaitForExitAsync()).Should().Be(0, map.Output);

        var bundle = DsnGateway.Fhir.Serialization.FhirJson.Parse<global::Hl7.Fhir.Model.Bundle>(map.StandardOutput);
        bundle.Type.Should().Be(global::Hl7.Fhir.Model.Bundle.BundleType.Transaction);
        bundle.Entry.Select(e => e.Resource!.TypeName).Should().Equal("Patient", "Provenance");
        bundle.Entry[0].Request!.Url.Should().Be("Patient?identifier=https://fhir.infoway-inforoute.ca/NamingSystem/ca-qc-patient-healthcare-id|LAVS90541234");
        Directory.Exists(data).Should().BeFalse("map stores nothing");
    }

    [Fact]
    public async Task Map_reads_a_file_saved_with_a_byte_order_mark_as_its_registered_sender_sent_it()
    {
        var file = Path.Combine(_root, "bom.hl7");
        byte[] bytes = [0xEF, 0xBB, 0xBF, .. AdtMessages.Utf8(AdtMessages.A01("ADT_NIM", "NIM", "MAPBOM", "NIM778^^^NIM^MR", "Côté^Zoé", "19900412", "F").Replace("\r", "\r\n", StringComparison.Ordinal))];
        await File.WriteAllBytesAsync(file, bytes);

        await using var map = GatewayProcess.Start(["map", file, "--data-dir", Path.Combine(_root, "data")]);
        (await map.WaitForExitAsync()).Should().Be(0, map.Output);

        var bundle = DsnGateway.Fhir.Serialization.FhirJson.Parse<global::Hl7.Fhir.Model.Bundle>(map.StandardOutput);
        bundle.Entry[0].Request!.Url.Should().Be("Patient?identifier=urn:dsn:mrn:nim|NIM778");
    }

    [Fact]
    public async Task Map_prints_the_bundle_of_an_order_and_names_its_unmapped_codes()
    {
        var file = Path.Combine(_root, "rde.hl7");
        var pid = OrderMessages.Pid("NIM4242^^^NIM^MR", "Bélanger^Zoé", "20010203", "F");
        await File.WriteAllBytesAsync(file, AdtMessages.Utf8(OrderMessages.Rde("PHARM_NIM", "NIM", "MAPRX1", pid, "NW", "CMD-7", "", "LOCAL9^Sirop^PHARMNIM", "5")));

        await using var map = GatewayProcess.Start(["map", file, "--data-dir", Path.Combine(_root, "data")]);
        (await map.WaitForExitAsync()).Should().Be(0, map.Output);

        var bundle = DsnGateway.Fhir.Serialization.FhirJson.Parse<global::Hl7.Fhir.Model.Bundle>(map.StandardOutput);
        bundle.Entry.Select(e => e.Request!.Url).Should().Equal("Patient?identifier=urn:dsn:mrn:nim|NIM4242", "MedicationRequest?identifier=urn:dsn:order:nim:placer|CMD-7", $"Provenance/{bundle.Entry[2].Resource!.Id}");
        map.Output.Should().Contain("unmapped drug code urn:dsn:code:nim:pharmnim|LOCAL9");
    }

    [Fact]
    public async Task Map_validate_checks_what_a_message_would_become_against_R4_and_CA_Baseline()
    {
        var file = Path.Combine(_root, "valid.hl7");
        await File.WriteAllBytesAsync(file, AdtMessages.Utf8(AdtMessages.A01("ADT_NIM", "NIM", "MAPV1", "LAVS90541234^^^RAMQ^JHN~NIM777^^^NIM^MR", "Lavoie^Sophie", "19900412", "F")));

        await using var map = GatewayProcess.Start(["map", file, "--validate", "--profiles", SharedData.Path("quebec", "ca-baseline"), "--data-dir", Path.Combine(_root, "data")]);

        (await map.WaitForExitAsync(ValidationTimeout)).Should().Be(0, map.Output);
        map.Output.Should().Contain("validation: 2 resources, 0 errors");
        DsnGateway.Fhir.Serialization.FhirJson.Parse<global::Hl7.Fhir.Model.Bundle>(map.StandardOutput).Type.Should().Be(global::Hl7.Fhir.Model.Bundle.BundleType.Transaction);
    }

    [Fact]
    public async Task Map_validate_without_profiles_checks_base_R4_and_says_CA_Baseline_was_not_checked()
    {
        var file = Path.Combine(_root, "r4only.hl7");
        await File.WriteAllBytesAsync(file, AdtMessages.Utf8(AdtMessages.A01("ADT_NIM", "NIM", "MAPV3", "NIM778^^^NIM^MR", "Lavoie^Sophie", "19900412", "F")));

        await using var map = GatewayProcess.Start(["map", file, "--validate", "--data-dir", Path.Combine(_root, "data")]);

        (await map.WaitForExitAsync(ValidationTimeout)).Should().Be(0, map.Output);
        map.Output.Should().Contain("CA Baseline not checked").And.Contain("validation: 2 resources, 0 errors");
    }

    [Fact]
    public async Task Map_validate_prints_each_error_with_its_element_path_and_exits_1()
    {
        // A stricter copy of CA Baseline's Patient profile (birth date required), and a message without one.
        var profiles = Path.Combine(_root, "profiles");
        CopyDirectory(SharedData.Path("quebec", "ca-baseline"), profiles);
        var patientProfile = Path.Combine(profiles, "structuredefinition-profile-patient.json");
        var profile = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(patientProfile))!;
        var elements = profile["differential"]!["element"]!.AsArray();
        var address = elements.Select((e, i) => (e, i)).First(x => (string?)x.e!["id"] == "Patient.address").i;
        elements.Insert(address, new System.Text.Json.Nodes.JsonObject { ["id"] = "Patient.birthDate", ["path"] = "Patient.birthDate", ["min"] = 1 });
        await File.WriteAllTextAsync(patientProfile, profile.ToJsonString());
        var file = Path.Combine(_root, "nobirth.hl7");
        await File.WriteAllBytesAsync(file, AdtMessages.Utf8(AdtMessages.A01("ADT_NIM", "NIM", "MAPV2", "NIM779^^^NIM^MR", "Lavoie^Sophie", "", "F")));

        await using var map = GatewayProcess.Start(["map", file, "--validate", "--profiles", profiles, "--data-dir", Path.Combine(_root, "data")]);

        (await map.WaitForExitAsync(ValidationTimeout)).Should().Be(1, map.Output);
        map.Output.Should().MatchRegex(@"entry\[0\] Patient error Patient[^\n]*birthDate");
        map.Output.Should().Contain("validation: 2 resources, 1 errors");
    }

    [Fact]
    public async Task Map_validate_without_its_profiles_fails_with_the_reason()
    {
        var file = Path.Combine(_root, "a.hl7");
        await File.WriteAllBytesAsync(file, AdtMessages.Utf8(AdtMessages.A01("ADT_NIM", "NIM", "MAPV3", "NIM780^^^NIM^MR", "Lavoie^Sophie", "19900412", "F")));

        await using var map = GatewayProcess.Start(["map", file, "--validate", "--profiles", Path.Combine(_root, "none"), "--data-dir", Path.Combine(_root, "data")]);

        (await map.WaitForExitAsync(ValidationTimeout)).Should().Be(1);
        map.Output.Should().Contain("CA Baseline profiles");
    }

    [Fact]
    public async Task Map_says_why_a_message_would_be_refused()
    {
        var file = Path.Combine(_root, "bad.hl7");
        await File.WriteAllBytesAsync(file, AdtMessages.Utf8(AdtMessages.A01("ADT_NIM", "NIM", "MAP2", "GIRM80622512^^^RAMQ^JHN", "Girard^Marie", "19801224", "F")));

        await using var map = GatewayProcess.Start(["map", file, "--data-dir", Path.Combine(_root, "data")]);

        (await map.WaitForExitAsync()).Should().Be(1);
        map.Output.Should().Contain("102").And.Contain("NAM");
    }

    [Fact]
    public async Task Dead_letters_are_listed_and_replayed_after_the_sender_is_registered()
    {
        var data = Path.Combine(_root, "gateway");
        var config = Path.Combine(_root, "config");
        CopyDirectory(GatewayFixture.ConfigDirectory, config);
        var control = "DL" + Guid.NewGuid().ToString("N")[..8];

        // A new system sends before the integration team registered it: AR, kept.
        await using (var gateway = GatewayProcess.Start(["--urls", "http://127.0.0.1:0", "--mllp", "127.0.0.1:0", "--data-dir", data, "--config-dir", config, "--no-sample-data"]))
        {
            await gateway.WaitUntilListeningAsync();
            var port = await gateway.WaitForMllpPortAsync();
            await using var sender = await MllpTestClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
            var ack = await sender.SendAsync(AdtMessages.Utf8(AdtMessages.A01("URG_NIM", "NIM", control, "NIM888^^^NIM^MR", "Nouveau^Systeme", "1980", "U")));
            AdtMessages.AckCode(ack).Should().Be("AR");
        }

        await using (var list = GatewayProcess.Start(["deadletters", "list", "--data-dir", data, "--config-dir", config]))
        {
            (await list.WaitForExitAsync()).Should().Be(0);
            var line = list.StandardOutput.Split('\n').Single(l => l.Contains(control));
            line.Split('\t').Should().HaveCount(6);
            line.Should().Contain("URG_NIM/NIM").And.Contain("envelope").And.Contain("204");
        }

        // Onboarded by configuration alone, then replayed.
        var senders = Path.Combine(config, "senders.json");
        await File.WriteAllTextAsync(senders, (await File.ReadAllTextAsync(senders)).Replace("{ \"application\": \"BLOC_NIM\" }", "{ \"application\": \"BLOC_NIM\" }, { \"application\": \"URG_NIM\" }"));
        await using (var replay = GatewayProcess.Start(["deadletters", "replay", "--all", "--data-dir", data, "--config-dir", config]))
        {
            (await replay.WaitForExitAsync()).Should().Be(0, replay.Output);
            replay.StandardOutput.Should().Contain("accepted (AA)");
        }
        await using (var after = GatewayProcess.Start(["deadletters", "list", "--data-dir", data, "--config-dir", config]))
        {
            (await after.WaitForExitAsync()).Should().Be(0);
            after.StandardOutput.Should().NotContain(control);
        }
    }

    [Fact]
    public async Task Replay_without_an_id_or_all_is_a_usage_error()
    {
        await using var replay = GatewayProcess.Start(["deadletters", "replay", "--data-dir", Path.Combine(_root, "data")]);
        (await replay.WaitForExitAsync()).Should().Be(2);
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var directory in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(directory.Replace(from, to));
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, file.Replace(from, to), overwrite: true);
    }
}
