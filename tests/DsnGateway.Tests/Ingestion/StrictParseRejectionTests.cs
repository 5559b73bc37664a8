using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using DsnGateway.Fhir.Serialization;
using DsnGateway.Ingestion;
using DsnGateway.Tests.Ingestion.Csv;
using Hl7.Fhir.Model;
using Microsoft.Extensions.DependencyInjection;
using static DsnGateway.Tests.Ingestion.OrderMessages;
using Task = System.Threading.Tasks.Task;

namespace DsnGateway.Tests.Ingestion;

/// <summary>
/// Firely's strict parse runs on every mapped Bundle and CSV row before the answer: content the mapper copies verbatim
/// from the sender into a FHIR code (CX.5 identifier types, CWE.1 local drug codes, a CSV drug-code column) passes the
/// mapper but is no valid <c>code</c> when it holds two spaces in a row (FHIR's code is tokens separated by single
/// spaces). Such a message is refused with AE and an ERR naming the element path, kept as a content dead letter with its
/// bytes, and never admitted to the inbox, so nothing of it reaches the store; such a CSV row is a reject naming its
/// line and the path while the valid rows of the file are admitted.
/// </summary>
public class StrictParseRejectionTests : IClassFixture<GatewayFixture>
{
    /// <summary>What Firely says of a Patient identifier's type code, whichever entry and identifier it is.</summary>
    private static readonly Regex IdentifierTypeCodePath = new(@"identifier\[\d+\]\.type\.coding\[\d+\]\.code|\(CX\.5\) 'P  I' is not a valid FHIR code");

    /// <summary>What Firely says of a MedicationRequest's drug code (the choice element is named without its type).</summary>
    private static readonly Regex MedicationCodePath = new(@"medication\.coding\[\d+\]\.code|'ACET  500' is not a valid FHIR code");

    private readonly GatewayFixture _gateway;

    public StrictParseRejectionTests(GatewayFixture gateway) => _gateway = gateway;

    private InboxStore Inbox => _gateway.Services.GetRequiredService<InboxStore>();

    private static string ErrSegment(string ack) =>
        ack.Split('\r').Should().ContainSingle(s => s.StartsWith("ERR|", StringComparison.Ordinal), ack.Replace('\r', '\n')).Subject;

    /// <summary>The refused message is a content dead letter holding the very bytes sent, never an inbox message.</summary>
    private async Task ShouldBeKeptAsRejectedAndNotAdmittedAsync(string control, byte[] sent, Regex path)
    {
        var letter = (await Inbox.ListDeadLettersAsync()).Should().ContainSingle(l => l.ControlId == control).Subject;
        letter.Stage.Should().Be(DeadLetterStage.Content);
        letter.Reason.Should().MatchRegex(path.ToString(), "the operator reads which element was refused");
        var stored = await Inbox.GetDeadLetterAsync(letter.Id);
        stored!.Raw.Should().Equal(sent, "the raw message is kept as sent");
        (await Inbox.ListMessagesAsync(CancellationToken.None)).Should().NotContain(m => m.ControlId == control, "nothing was admitted for delivery");
    }

    private async Task<Bundle> SearchAsync(string query) => FhirJson.Parse<Bundle>(await _gateway.Client.GetStringAsync("fhir/" + query));

    [Fact]
    public async Task An_ADT_whose_identifier_type_is_no_FHIR_code_gets_AE_naming_the_path_is_kept_and_writes_nothing()
    {
        var mrn = "NIM" + Id();
        var control = Id();
        // CX.5 of an identifier of an unregistered authority becomes Identifier.type.coding.code as sent.
        var message = AdtMessages.A01("ADT_NIM", "NIM", control, $"{mrn}^^^NIM^MR~L{Id()}^^^LABO^P  I", "Strict^Adt", "19700101", "F");
        var sent = AdtMessages.Utf8(message);
        await using var sender = await MllpTestClient.ConnectAsync(await _gateway.Services.GetRequiredService<MllpListener>().BoundEndpoint);

        var ack = await sender.SendAsync(sent);

        AdtMessages.AckCode(ack).Should().Be("AE", ack.Replace('\r', '\n'));
        AdtMessages.Field(ack, "MSA", 2).Should().Be(control);
        AdtMessages.Field(ack, "ERR", 3).Should().NotBeEmpty("the ERR carries an error code");
        ErrSegment(ack).Should().MatchRegex(IdentifierTypeCodePath.ToString(), "the ERR names the refused element, by the mapper or by the strict parse");
        await ShouldBeKeptAsRejectedAndNotAdmittedAsync(control, sent, IdentifierTypeCodePath);
        (await SearchAsync($"Patient?identifier=urn:dsn:mrn:nim|{mrn}")).Total.Should().Be(0);

        // The byte-identical resend is answered from what was kept: the same AE, still nothing admitted.
        var again = await sender.SendAsync(sent);
        again.Should().Be(ack);
        (await Inbox.ListDeadLettersAsync()).Where(l => l.ControlId == control).Should().ContainSingle();
    }

    [Fact]
    public async Task The_same_ADT_with_a_valid_identifier_type_is_accepted_so_only_the_code_is_refused()
    {
        var mrn = "NIM" + Id();
        var message = AdtMessages.A01("ADT_NIM", "NIM", Id(), $"{mrn}^^^NIM^MR~L{Id()}^^^LABO^P I", "Strict^Adt", "19700101", "F");
        await using var sender = await MllpTestClient.ConnectAsync(await _gateway.Services.GetRequiredService<MllpListener>().BoundEndpoint);

        var ack = await sender.SendAsync(AdtMessages.Utf8(message));

        AdtMessages.AckCode(ack).Should().Be("AA", ack.Replace('\r', '\n'));
        for (var attempt = 0; attempt < 200 && (await SearchAsync($"Patient?identifier=urn:dsn:mrn:nim|{mrn}")).Total != 1; attempt++)
            await Task.Delay(50);
        var patient = (Patient)(await SearchAsync($"Patient?identifier=urn:dsn:mrn:nim|{mrn}")).Entry.Should().ContainSingle().Subject.Resource!;
        patient.Identifier.Should().Contain(i => i.Type != null && i.Type.Coding.Any(c => c.Code == "P I"), "a code with single spaces is a valid code");
    }

    [Fact]
    public async Task An_order_posted_over_HTTP_whose_drug_code_is_no_FHIR_code_gets_AE_naming_the_path_and_writes_nothing()
    {
        var mrn = "NIM" + Id();
        var control = "RX" + Id();
        var placer = "CMD-" + Id();
        var message = Rde("PHARM_NIM", "NIM", control, Pid($"{mrn}^^^NIM^MR", "Strict^Ordonnance", "19700101", "F"), "NW", placer, "",
            "ACET  500^Acétaminophène 500 mg^PHARMNIM", "500");
        var sent = AdtMessages.Utf8(message);
        using var client = _gateway.ClientWith(_gateway.Token(role: "system", scope: "system/*.cu", establishment: "NIM", subject: "pharm-nim", fhirUser: null));
        var body = new ByteArrayContent(sent);
        body.Headers.ContentType = new MediaTypeHeaderValue("x-application/hl7-v2+er7");

        using var response = await client.PostAsync("ingest/hl7v2", body);

        response.StatusCode.Should().Be(HttpStatusCode.OK, "a refusal is an ACK");
        var ack = await response.Content.ReadAsStringAsync();
        AdtMessages.AckCode(ack).Should().Be("AE", ack.Replace('\r', '\n'));
        AdtMessages.Field(ack, "MSA", 2).Should().Be(control);
        ErrSegment(ack).Should().MatchRegex(MedicationCodePath.ToString(), "the ERR names the refused element, by the mapper or by the strict parse");
        await ShouldBeKeptAsRejectedAndNotAdmittedAsync(control, sent, MedicationCodePath);
        (await SearchAsync($"MedicationRequest?identifier=urn:dsn:order:nim:placer|{placer}")).Total.Should().Be(0);
        (await SearchAsync($"Patient?identifier=urn:dsn:mrn:nim|{mrn}")).Total.Should().Be(0, "the order's Patient is in the same refused Bundle");
    }

    [Fact]
    public async Task A_CSV_row_whose_drug_code_is_no_FHIR_code_is_rejected_naming_line_and_path_and_the_valid_rows_are_admitted()
    {
        var n = Id();
        using var system = _gateway.ClientWith(_gateway.Token(role: "system", scope: "system/*.cu", establishment: "NIM"));
        var patients = CsvFixtures.French(CsvFixtures.FrenchPatientHeader,
            $";S{n}1;Stricte;Une;01/02/1970;Femme;;;;;;20/11/2026 08:30",
            $";S{n}2;Stricte;Deux;02/02/1970;Femme;;;;;;20/11/2026 08:30");
        var orders = CsvFixtures.French(CsvFixtures.FrenchOrderHeader,
            $";S{n}1;RX{n}1;;ACET500;Acétaminophène;1;co;;;actif;20/11/2026 09:15;;",
            $";S{n}2;RX{n}2;;ACET  500;Acétaminophène;1;co;;;actif;20/11/2026 09:15;;",   // line 3: two spaces in the code
            $";S{n}2;RX{n}3;;AMOX500;Amoxicilline;1;co;;;actif;20/11/2026 09:15;;");

        var patientsAnswer = await PostCsvAsync(system, "ingest/csv/nim/patients", patients);
        patientsAnswer.GetProperty("accepted").GetInt64().Should().Be(2);
        var answer = await PostCsvAsync(system, "ingest/csv/nim/medication-orders", orders);

        answer.GetProperty("accepted").GetInt64().Should().Be(2, "the valid rows are admitted");
        answer.GetProperty("rejected").GetInt64().Should().Be(1);
        var reject = answer.GetProperty("rejects").EnumerateArray().Should().ContainSingle().Subject;
        reject.GetProperty("line").GetInt64().Should().Be(3);
        reject.GetProperty("reason").GetString().Should().MatchRegex(MedicationCodePath.ToString(), "the reason names the refused element (the mapper refuses it first now; the strict parse is the net behind it)");

        foreach (var placer in new[] { $"RX{n}1", $"RX{n}3" })
        {
            var query = $"MedicationRequest?identifier=urn:dsn:order:nim:placer|{placer}";
            for (var attempt = 0; attempt < 200 && (await SearchAsync(query)).Total != 1; attempt++) await Task.Delay(50);
            (await SearchAsync(query)).Total.Should().Be(1, $"{placer} was valid and delivered");
        }
        (await SearchAsync($"MedicationRequest?identifier=urn:dsn:order:nim:placer|RX{n}2")).Total.Should().Be(0, "the rejected row reaches no store");
    }

    private static async Task<JsonElement> PostCsvAsync(HttpClient client, string path, byte[] file)
    {
        var content = new ByteArrayContent(file);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        using var response = await client.PostAsync(path, content);
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }
}
