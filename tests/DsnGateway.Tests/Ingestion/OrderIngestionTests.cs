using System.Net;
using DsnGateway.Fhir.Serialization;
using DsnGateway.Ingestion;
using Hl7.Fhir.Model;
using Hl7.Fhir.Utility;
using Microsoft.Extensions.DependencyInjection;
using static DsnGateway.Tests.Ingestion.OrderMessages;
using Task = System.Threading.Tasks.Task;

namespace DsnGateway.Tests.Ingestion;

/// <summary>
/// Pharmacy orders and procedures end to end: MLLP over a real socket, the ACK, delivery to the record store, and the
/// resources read back through /fhir with a clinician's token. One order's whole life is one MedicationRequest; a
/// procedure sent again updates its Procedure; the PID of an order never overwrites the ADT feed's demographics.
/// </summary>
public class OrderIngestionTests : IClassFixture<GatewayFixture>
{
    private readonly GatewayFixture _gateway;

    public OrderIngestionTests(GatewayFixture gateway) => _gateway = gateway;

    private InboxStore Inbox => _gateway.Services.GetRequiredService<InboxStore>();

    /// <summary>Sends over MLLP, expects AA, and waits until the message is delivered to the record store.</summary>
    private async Task SendDeliveredAsync(string message)
    {
        var control = AdtMessages.Field(message, "MSH", 10);
        await using var sender = await MllpTestClient.ConnectAsync(await _gateway.Services.GetRequiredService<MllpListener>().BoundEndpoint);
        var ack = await sender.SendAsync(AdtMessages.Utf8(message));
        AdtMessages.AckCode(ack).Should().Be("AA", ack.Replace('\r', '\n'));
        await InboxTestKit.WaitUntilAsync(async () =>
        {
            var stored = (await Inbox.ListMessagesAsync(CancellationToken.None)).Single(m => m.ControlId == control);
            if (stored.State == InboxMessageState.Dead) throw new Xunit.Sdk.XunitException($"{control} was dead-lettered: {stored.LastError}");
            return stored.State == InboxMessageState.Delivered;
        }, $"{control} is delivered");
    }

    private async Task<List<T>> SearchAsync<T>(string query, HttpClient? client = null) where T : Resource
    {
        var bundle = FhirJson.Parse<Bundle>(await (client ?? _gateway.Client).GetStringAsync("fhir/" + query));
        return bundle.Entry.Select(e => e.Resource).OfType<T>().ToList();
    }

    [Fact]
    public async Task One_order_from_new_to_cancelled_is_one_MedicationRequest_whose_status_follows_each_message()
    {
        var nam = Nam("850615".Replace("06", "56"));
        var mrn = "NIM" + Id();
        var pid = Pid($"{nam}^^^RAMQ^JHN~{mrn}^^^NIM^MR", "Côté^Marie-Ève", "19850615", "F");
        var placer = "CMD-" + Id();
        var filler = "RX-" + Id();
        var search = $"MedicationRequest?identifier=urn:dsn:order:nim:placer|{placer}";

        var steps = new (string Control, string Placer, string Filler, string Status, string Dose, string Expected)[]
        {
            ("NW", placer, "", "", "500", "active"),
            ("XO", placer, filler, "", "1000", "active"),   // the change: a new dose, and the pharmacy's number
            ("HD", placer, filler, "", "1000", "on-hold"),
            ("RL", placer, filler, "", "1000", "active"),
            ("DC", "", filler, "", "1000", "stopped"),       // by the filler number alone
            ("CA", placer, filler, "CA", "1000", "cancelled"),
        };
        var minute = 0;
        foreach (var step in steps)
        {
            await SendDeliveredAsync(Rde("PHARM_NIM", "NIM", "RX" + Id(), pid, step.Control, step.Placer, step.Filler,
                "ACET500^Acétaminophène 500 mg^PHARMNIM", step.Dose, step.Status, time: $"202611200{9 + minute / 60}{minute % 60:D2}00"));
            minute += 5;
            var found = await SearchAsync<MedicationRequest>(search);
            found.Should().ContainSingle($"after {step.Control} there is still one order");
            EnumUtility.GetLiteral(found[0].Status).Should().Be(step.Expected, $"after {step.Control}");
            found[0].DosageInstruction[0].DoseAndRate[0].Dose.Should().BeOfType<Quantity>().Which.Value.Should().Be(decimal.Parse(step.Dose));
        }

        var order = (await SearchAsync<MedicationRequest>(search)).Single();
        order.Identifier.Select(i => (i.System, i.Value)).Should().BeEquivalentTo(new[] { ("urn:dsn:order:nim:placer", placer), ("urn:dsn:order:nim:filler", filler) });
        order.Medication.Should().BeOfType<CodeableConcept>().Which.Coding[0].Code.Should().Be("02229873", "ACET500 is mapped to its DIN in config/code-maps.json");
        (await SearchAsync<MedicationRequest>($"MedicationRequest?identifier=urn:dsn:order:nim:filler|{filler}")).Should().ContainSingle();
        var patient = (await SearchAsync<Patient>($"Patient?identifier=urn:dsn:mrn:nim|{mrn}")).Single();
        order.Subject!.Reference.Should().Be($"Patient/{patient.Id}");
        order.AuthoredOn.Should().Be("2026-11-20T09:00:00-05:00", "a status change does not move when the order was written");
    }

    [Fact]
    public async Task A_procedure_sent_twice_with_an_update_is_one_Procedure_and_PR1_in_an_ADT_A01_gives_one_too()
    {
        var mrn = "MCQ" + Id();
        var nam = Nam("720308");
        var pid = Pid($"{mrn}^^^MCQ^MR~{nam}^^^RAMQ^JHN", "Bélanger^Jérôme", "19720308", "M");
        var identifier = "INT-" + Id();
        var mcq = _gateway.ClientWith(_gateway.Token(establishment: "MCQ"));

        await SendDeliveredAsync(Bar("BLOC_MCQ", "MCQ", "OR" + Id(), pid, "PTH^Prothèse totale de hanche^BLOCMCQ", "", identifier));
        await SendDeliveredAsync(Bar("BLOC_MCQ", "MCQ", "OR" + Id(), pid, "PTH^Prothèse totale de hanche^BLOCMCQ", "95", identifier, time: "20261120120000"));

        var procedure = (await SearchAsync<Procedure>($"Procedure?identifier=urn:dsn:procedure:mcq|{identifier}", mcq)).Should().ContainSingle().Subject;
        procedure.Performed.Should().BeOfType<Period>().Which.End.Should().Be("2026-11-20T09:50:00-05:00", "the second message's duration is applied to the same Procedure");
        procedure.Code!.Coding[0].Code.Should().Be("1.VA.53.LA-PN");
        var patient = (await SearchAsync<Patient>($"Patient?identifier=urn:dsn:mrn:mcq|{mrn}", mcq)).Single();
        procedure.Subject!.Reference.Should().Be($"Patient/{patient.Id}");
        (await SearchAsync<Procedure>($"Procedure?subject=Patient/{patient.Id}", mcq)).Should().ContainSingle();

        // Without PR1-19, the visit, the set id, the code and the time find it again.
        var visit = "V" + Id();
        await SendDeliveredAsync(Bar("BLOC_MCQ", "MCQ", "OR" + Id(), pid, "PTH^Prothèse^BLOCMCQ", "", "", visit: visit));
        await SendDeliveredAsync(Bar("BLOC_MCQ", "MCQ", "OR" + Id(), pid, "PTH^Prothèse^BLOCMCQ", "60", "", visit: visit, time: "20261120130000"));
        (await SearchAsync<Procedure>($"Procedure?identifier=urn:dsn:procedure:mcq:derived|visit/{visit}/1/PTH/20261120081500", mcq)).Should().ContainSingle()
            .Which.Performed.Should().BeOfType<Period>();

        // ADT^A01 with a PR1: the admission's procedure.
        var adtMrn = "NIM" + Id();
        var a01 = AdtMessages.A01("ADT_NIM", "NIM", "A" + Id(), $"{adtMrn}^^^NIM^MR", "Gagnon^Léa", "19900412", "F")
            + "PR1|1||APPLAP^Appendicectomie^BLOCNIM||20261120070000||||||||||||||ADT-" + adtMrn + "\r";
        await SendDeliveredAsync(a01);
        var fromAdt = (await SearchAsync<Procedure>($"Procedure?identifier=urn:dsn:procedure:nim|ADT-{adtMrn}")).Should().ContainSingle().Subject;
        fromAdt.Code!.Coding[0].Code.Should().Be("1.NT.89.DA");
        fromAdt.Subject!.Reference.Should().Be($"Patient/{(await SearchAsync<Patient>($"Patient?identifier=urn:dsn:mrn:nim|{adtMrn}")).Single().Id}");
    }

    [Fact]
    public async Task Two_PR1_with_set_id_1_are_two_Procedures_and_the_NTE_after_a_PR1_or_an_RXE_are_notes()
    {
        var mrn = "NIM" + Id();
        var pid = Pid($"{mrn}^^^NIM^MR", "Roy^Mathis", "19670211", "M");
        var visit = "V" + Id();
        // A real export numbers every PR1 1; the NTE after the first is that procedure's note.
        var bar = Bar("BLOC_NIM", "NIM", "OR" + Id(), pid, "APPLAP^Appendicectomie^BLOCNIM", "", "", visit: visit)
            + @"NTE|1|P|Conversion en laparotomie \T\ drain~Pansement à J+2" + "\r"
            + "PR1|1||CHOLLAP^Cholécystectomie^BLOCNIM||20261120103000||||||67890^Lévesque^Hélène^^^Dre^^^CMQ\r";
        await SendDeliveredAsync(bar);
        await SendDeliveredAsync(bar.Replace("|BAR^P12^BAR_P12|OR", "|BAR^P12^BAR_P12|OR2"));

        var patient = (await SearchAsync<Patient>($"Patient?identifier=urn:dsn:mrn:nim|{mrn}")).Single();
        var procedures = await SearchAsync<Procedure>($"Procedure?subject=Patient/{patient.Id}");
        procedures.Should().HaveCount(2, "two procedures stated with set id 1, sent twice, are still two");
        var appendix = procedures.Single(p => p.Code!.Coding.Any(c => c.Code == "APPLAP"));
        appendix.Note.Single().Text.Should().Be("Conversion en laparotomie & drain\nPansement à J+2");
        procedures.Single(p => p.Code!.Coding.Any(c => c.Code == "CHOLLAP")).Note.Should().BeEmpty();

        var placer = "CMD-" + Id();
        var rde = Rde("PHARM_NIM", "NIM", "RX" + Id(), pid, "NW", placer, "", "ACET500^Acétaminophène 500 mg^PHARMNIM", "500")
            .Replace("RXE||ACET500^Acétaminophène 500 mg^PHARMNIM|500||mg^mg^UCUM\r", "RXE||ACET500^Acétaminophène 500 mg^PHARMNIM|500||mg^mg^UCUM\rNTE|1|P|Ne pas dépasser 4 g par jour\r");
        await SendDeliveredAsync(rde);
        (await SearchAsync<MedicationRequest>($"MedicationRequest?identifier=urn:dsn:order:nim:placer|{placer}")).Single()
            .Note.Single().Text.Should().Be("Ne pas dépasser 4 g par jour");
    }

    [Fact]
    public async Task A_Procedure_stored_under_the_former_derived_key_is_updated_by_a_resend_never_duplicated()
    {
        var mrn = "NIM" + Id();
        var pid = Pid($"{mrn}^^^NIM^MR", "Ouellet^Rosalie", "19750923", "F");
        await SendDeliveredAsync(AdtMessages.A01("ADT_NIM", "NIM", "A" + Id(), $"{mrn}^^^NIM^MR", "Ouellet^Rosalie", "19750923", "F"));
        var patient = (await SearchAsync<Patient>($"Patient?identifier=urn:dsn:mrn:nim|{mrn}")).Single();

        // What an earlier version stored for this BAR's PR1: the key visit/<visit>/<set id>, nothing else.
        var visit = "V" + Id();
        var former = new Procedure
        {
            Identifier = [new Identifier { System = "urn:dsn:procedure:nim:derived", Value = $"visit/{visit}/1" }],
            Status = EventStatus.Completed,
            Code = new CodeableConcept { Coding = [new Coding { System = "https://fhir.infoway-inforoute.ca/CodeSystem/cci", Code = "1.NT.89.DA" }, new Coding { System = "urn:dsn:code:nim:blocnim", Code = "APPLAP" }] },
            Subject = new ResourceReference($"Patient/{patient.Id}"),
            Performed = new FhirDateTime("2026-11-20T08:15:00-05:00"),
        };
        var store = _gateway.Services.GetRequiredService<DsnGateway.Proxy.RecordStoreClient>();
        using (var created = await store.SendAsync(HttpMethod.Post, "Procedure", FhirJson.Serialize(former), null, CancellationToken.None))
            created.StatusCode.Should().Be(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var stored = (await SearchAsync<Procedure>($"Procedure?subject=Patient/{patient.Id}")).Single();

        // A later message reusing set id 1 for another procedure of the visit does not take it over ...
        await SendDeliveredAsync(Bar("BLOC_NIM", "NIM", "OR" + Id(), pid, "CHOLLAP^Cholécystectomie^BLOCNIM", "", "", visit: visit));
        // ... the resend of the message it came from updates it, and so does the next resend.
        await SendDeliveredAsync(Bar("BLOC_NIM", "NIM", "OR" + Id(), pid, "APPLAP^Appendicectomie^BLOCNIM", "40", "", visit: visit));
        await SendDeliveredAsync(Bar("BLOC_NIM", "NIM", "OR" + Id(), pid, "APPLAP^Appendicectomie^BLOCNIM", "45", "", visit: visit));

        var procedures = await SearchAsync<Procedure>($"Procedure?subject=Patient/{patient.Id}");
        procedures.Should().HaveCount(2);
        var updated = procedures.Single(p => p.Id == stored.Id);
        updated.Code!.Coding.Should().Contain(c => c.Code == "APPLAP", "the later procedure reusing set id 1 did not take it over");
        updated.Performed.Should().BeOfType<Period>().Which.End.Should().Be("2026-11-20T09:00:00-05:00", "the last resend's 45 minutes are applied to the stored Procedure");
        updated.Identifier.Select(i => i.Value).Should().Equal($"visit/{visit}/1/APPLAP/20261120081500");
        procedures.Single(p => p.Id != stored.Id).Code!.Coding.Should().Contain(c => c.Code == "CHOLLAP");
    }

    [Fact]
    public async Task An_order_for_an_unknown_patient_creates_the_patient_and_never_overwrites_the_ADT_demographics()
    {
        // Unknown patient, MCQ pharmacy: the order creates the Patient from its PID.
        var mcqMrn = "MCQ" + Id();
        var nam = Nam("631224");
        var pidOfOrder = Pid($"{mcqMrn}^^^MCQ^MR~{nam}^^^RAMQ^JHN", "Tremblay^Gisèle", "19631224", "M");
        await SendDeliveredAsync(Rde("PHARM_MCQ", "MCQ", "M" + Id(), pidOfOrder, "NW", "C" + Id(), "", "12001^Acétaminophène^PHARMCQ", "500"));
        var mcq = _gateway.ClientWith(_gateway.Token(establishment: "MCQ"));
        var created = (await SearchAsync<Patient>($"Patient?identifier=urn:dsn:mrn:mcq|{mcqMrn}", mcq)).Single();
        created.Name[0].Family.Should().Be("Tremblay");

        // The ADT feed then sends the person (older MSH-7 than nothing: it is the first demographic snapshot) ...
        var nimMrn = "NIM" + Id();
        await SendDeliveredAsync(AdtMessages.A01("ADT_NIM", "NIM", "A" + Id(), $"{nam}^^^RAMQ^JHN~{nimMrn}^^^NIM^MR", "Tremblay-Roy^Gisèle^Andrée", "19631224", "M",
            time: "20261120080000"));
        // ... and a later order's PID spells the name otherwise: identifiers are added, demographics stay the ADT's.
        var otherMrn = "OTHER" + Id();
        var laterOrder = Pid($"{nam}^^^RAMQ^JHN~{otherMrn}^^^PHARMX^PI", "TREMBLAY^GISELE", "19631224", "M");
        await SendDeliveredAsync(Rde("PHARM_NIM", "NIM", "M" + Id(), laterOrder, "NW", "C" + Id(), "", "ACET500^x^PHARMNIM", "500", time: "20261121090000"));

        var patient = (await SearchAsync<Patient>($"Patient?identifier=urn:dsn:mrn:nim|{nimMrn}")).Single();
        patient.Id.Should().Be(created.Id, "one person, one Patient, whichever feed saw them first");
        patient.Name[0].Family.Should().Be("Tremblay-Roy");
        patient.Name[0].Given.Should().Equal("Gisèle", "Andrée");
        patient.Identifier.Select(i => i.Value).Should().Contain([mcqMrn, nimMrn, nam, otherMrn]);
    }

    [Fact]
    public async Task Unmapped_codes_are_counted_once_per_accepted_message_and_leave_the_report_once_mapped()
    {
        var code = "ZZ" + Id();
        var pid = Pid($"NIM{Id()}^^^NIM^MR", "Lévesque^Noémie", "20010203", "F");
        var first = Rde("PHARM_NIM", "NIM", "U" + Id(), pid, "NW", "C" + Id(), "", $"{code}^Sirop maison^PHARMNIM", "5");
        await SendDeliveredAsync(first);
        await SendDeliveredAsync(Rde("PHARM_NIM", "NIM", "U" + Id(), pid, "NW", "C" + Id(), "", $"{code}^Sirop maison^PHARMNIM", "5"));
        // A byte-identical resend is answered from the stored ACK and counts nothing; a refused message neither.
        await using (var sender = await MllpTestClient.ConnectAsync(await _gateway.Services.GetRequiredService<MllpListener>().BoundEndpoint))
        {
            AdtMessages.AckCode(await sender.SendAsync(AdtMessages.Utf8(first))).Should().Be("AA");
            AdtMessages.AckCode(await sender.SendAsync(AdtMessages.Utf8(Rde("PHARM_NIM", "NIM", "U" + Id(), pid, "NW", "", "", $"{code}^Sirop^PHARMNIM", "5"))))
                .Should().Be("AE", "no order number");
        }

        var config = Path.Combine(_gateway.DataDirectory, "config-" + Id());
        CopyDirectory(GatewayFixture.ConfigDirectory, config);
        var report = await UnmappedReportAsync(config);
        report.Should().ContainSingle(l => l.Contains(code)).Which.Split('\t').Should().Equal("NIM", "drug", "urn:dsn:code:nim:pharmnim", code, "Sirop maison", "2");

        // Mapped in the configuration: the code leaves the report, no restart or resend needed.
        var maps = Path.Combine(config, "code-maps.json");
        await File.WriteAllTextAsync(maps, (await File.ReadAllTextAsync(maps)).Replace(
            "\"drugs\": [", $"\"drugs\": [ {{ \"code\": \"{code}\", \"system\": \"PHARMNIM\", \"din\": \"02229873\" }},"));
        (await UnmappedReportAsync(config)).Should().NotContain(l => l.Contains(code));
    }

    [Fact]
    public async Task A_wrong_code_map_stops_the_gateway_at_start_with_the_reason()
    {
        var config = Path.Combine(_gateway.DataDirectory, "bad-config-" + Id());
        CopyDirectory(GatewayFixture.ConfigDirectory, config);
        await File.WriteAllTextAsync(Path.Combine(config, "code-maps.json"), """{ "NIM": { "drugs": [ { "code": "X", "din": "123" } ] } }""");
        await using var gateway = GatewayProcess.Start(["--urls", "http://127.0.0.1:0", "--mllp", "127.0.0.1:0", "--no-sample-data",
            "--data-dir", Path.Combine(config, "data"), "--config-dir", config]);
        (await gateway.WaitForExitAsync()).Should().Be(1);
        gateway.Output.Should().Contain("code maps").And.Contain("DIN '123' is not 8 digits");
    }

    private async Task<List<string>> UnmappedReportAsync(string config)
    {
        await using var codes = GatewayProcess.Start(["codes", "unmapped", "--establishment", "nim", "--data-dir", _gateway.DataDirectory, "--config-dir", config]);
        (await codes.WaitForExitAsync()).Should().Be(0, codes.Output);
        var lines = codes.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        lines[0].Split('\t').Should().Equal("establishment", "kind", "system", "code", "display", "count");
        return lines.Skip(1).ToList();
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories)) Directory.CreateDirectory(dir.Replace(from, to));
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories)) File.Copy(file, file.Replace(from, to), overwrite: true);
    }
}
