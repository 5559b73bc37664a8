using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Dapper;
using DsnGateway.Fhir.Serialization;
using DsnGateway.Ingestion;
using Hl7.Fhir.Model;
using Microsoft.Extensions.DependencyInjection;
using Task = System.Threading.Tasks.Task;

namespace DsnGateway.Tests.Ingestion;

/// <summary>
/// The envelope as real senders write it (issue 11): a byte order mark before MSH, retries that differ only in framing
/// noise, and a line after a valid MSH that is not a segment; over real TCP sockets and HTTP.
/// </summary>
public class Hl7EnvelopeTests : IClassFixture<GatewayFixture>
{
    private static readonly byte[] Bom = [0xEF, 0xBB, 0xBF];

    private readonly GatewayFixture _gateway;

    public Hl7EnvelopeTests(GatewayFixture gateway) => _gateway = gateway;

    private Task<IPEndPoint> MllpEndpoint => _gateway.Services.GetRequiredService<MllpListener>().BoundEndpoint;

    private InboxStore Inbox => _gateway.Services.GetRequiredService<InboxStore>();

    private static string Id() => Guid.NewGuid().ToString("N")[..12].ToUpperInvariant();

    private async Task<Patient> WaitForPatientAsync(string mrn)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var bundle = FhirJson.Parse<Bundle>(await _gateway.Client.GetStringAsync($"fhir/Patient?identifier=urn:dsn:mrn:nim|{mrn}"));
            if (bundle.Total >= 1) return (Patient)bundle.Entry[0].Resource!;
            await Task.Delay(50);
        }
        throw new Xunit.Sdk.XunitException($"the patient {mrn} never reached the record store");
    }

    [Fact]
    public async Task A_message_with_a_byte_order_mark_over_mllp_is_accepted_from_its_registered_sender()
    {
        var mrn = "NIM" + Id();
        var control = Id();
        await using var sender = await MllpTestClient.ConnectAsync(await MllpEndpoint);

        var ack = await sender.SendAsync([.. Bom, .. AdtMessages.Utf8(AdtMessages.A01("ADT_NIM", "NIM", control, $"{mrn}^^^NIM^MR", "Bérubé^Anne", "19720304", "F"))]);

        AdtMessages.AckCode(ack).Should().Be("AA", AdtMessages.Field(ack, "ERR", 8));
        AdtMessages.Field(ack, "MSA", 2).Should().Be(control);
        AdtMessages.Field(ack, "MSH", 5).Should().Be("ADT_NIM", "the ACK is addressed to the sender read after the byte order mark");
        (await WaitForPatientAsync(mrn)).Name[0].Family.Should().Be("Bérubé");
    }

    [Fact]
    public async Task A_message_with_a_byte_order_mark_over_http_is_accepted_from_its_registered_sender()
    {
        var mrn = "NIM" + Id();
        using var client = _gateway.ClientWith(_gateway.Token(role: "system", scope: "system/*.cu", establishment: "NIM", subject: "adt-nim", fhirUser: null));
        var body = new ByteArrayContent([.. Bom, .. AdtMessages.Utf8(AdtMessages.A01("ADT_NIM", "NIM", Id(), $"{mrn}^^^NIM^MR", "Ouellet^Marc", "19680101", "M"))]);
        body.Headers.ContentType = new MediaTypeHeaderValue("application/hl7-v2");

        using var response = await client.PostAsync("ingest/hl7v2", body);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var ack = await response.Content.ReadAsStringAsync();
        AdtMessages.AckCode(ack).Should().Be("AA", AdtMessages.Field(ack, "ERR", 8));
        (await WaitForPatientAsync(mrn)).Name[0].Family.Should().Be("Ouellet");
    }

    [Fact]
    public async Task A_retry_that_differs_only_in_framing_noise_gets_the_original_ack_and_changes_nothing()
    {
        var control = Id();
        var mrn = "NIM" + Id();
        var message = AdtMessages.A01("ADT_NIM", "NIM", control, $"{mrn}^^^NIM^MR", "Gagnon^Alice", "1999", "F");
        await using var sender = await MllpTestClient.ConnectAsync(await MllpEndpoint);

        var first = await sender.SendAsync(AdtMessages.Utf8(message));
        // node-hl7-client's plain retry drops the final CR; a file re-sent from Windows has a BOM and CRLF.
        var withoutFinalCr = await sender.SendAsync(AdtMessages.Utf8(message.TrimEnd('\r')));
        var fromAFile = await sender.SendAsync([.. Bom, .. AdtMessages.Utf8(message.Replace("\r", "\r\n", StringComparison.Ordinal))]);

        AdtMessages.AckCode(first).Should().Be("AA");
        withoutFinalCr.Should().Be(first, "the stored ACK is sent back unchanged");
        fromAFile.Should().Be(first);
        (await Inbox.ListMessagesAsync(CancellationToken.None)).Count(m => m.ControlId == control).Should().Be(1, "a resend stores nothing");
        (await Inbox.ListDeadLettersAsync()).Should().NotContain(l => l.ControlId == control, "a resend is no dead letter");

        var altered = await sender.SendAsync(AdtMessages.Utf8(message.Replace("Gagnon^Alice", "Gagnon^Alicia", StringComparison.Ordinal).TrimEnd('\r')));
        AdtMessages.AckCode(altered).Should().Be("AR");
        AdtMessages.Field(altered, "ERR", 3).Should().StartWith("205");
        (await WaitForPatientAsync(mrn)).Name[0].Given.Should().Equal("Alice");
    }

    [Fact]
    public async Task A_line_that_is_not_a_segment_after_a_valid_msh_is_AE_100_at_its_position_and_nothing_is_written()
    {
        var mrn = "NIM" + Id();
        var control = Id();
        var message = AdtMessages.A01("ADT_NIM", "NIM", control, $"{mrn}^^^NIM^MR", "Lévesque^Paul", "19550505", "M")
            + "Patient vu ce matin, suivi dans deux semaines\r";
        await using var sender = await MllpTestClient.ConnectAsync(await MllpEndpoint);

        var ack = await sender.SendAsync(AdtMessages.Utf8(message));

        AdtMessages.AckCode(ack).Should().Be("AE", "the envelope is fine; the content is not");
        AdtMessages.Field(ack, "MSA", 2).Should().Be(control);
        AdtMessages.Field(ack, "ERR", 3).Should().StartWith("100^");
        AdtMessages.Field(ack, "ERR", 2).Should().Be("^5", "the fifth line (MSH, EVN, PID, PV1, then this one)");
        AdtMessages.Field(ack, "ERR", 8).Should().Contain("Line 5").And.NotContain("Patient vu");
        (await Inbox.ListDeadLettersAsync()).Should().Contain(l => l.ControlId == control && l.Stage == DeadLetterStage.Content && l.Reason.StartsWith("100"));
        var search = FhirJson.Parse<Bundle>(await _gateway.Client.GetStringAsync($"fhir/Patient?identifier=urn:dsn:mrn:nim|{mrn}"));
        search.Total.Should().Be(0);

        var again = await sender.SendAsync(AdtMessages.Utf8(message));
        again.Should().Be(ack, "a resend of an answered message gets the answer it had");
    }

    [Fact]
    public async Task A_line_that_is_not_a_segment_from_an_unknown_sender_is_still_AR_204()
    {
        await using var sender = await MllpTestClient.ConnectAsync(await MllpEndpoint);

        var ack = await sender.SendAsync(AdtMessages.Utf8(AdtMessages.A01("LAB_X", "ELSEWHERE", Id(), $"X{Id()}^^^NIM^MR", "Inconnu^Test", "1980", "U") + "free text\r"));

        AdtMessages.AckCode(ack).Should().Be("AR", "the envelope is checked first");
        AdtMessages.Field(ack, "ERR", 3).Should().StartWith("204");
    }
}

/// <summary>
/// An incomplete MLLP frame is answered or closed after the frame timeout (one second here) and never holds the
/// connection for the idle timeout (300 s here, far longer than the test client's 60 s hang detector).
/// </summary>
public sealed class MllpFrameTimeoutTests() : MllpConnectionTestBase(idleTimeoutSeconds: 300, frameTimeoutSeconds: 1)
{
    private static string Id() => Guid.NewGuid().ToString("N")[..12].ToUpperInvariant();

    [Fact]
    public async Task A_start_block_without_an_end_block_is_answered_AR_and_the_connection_closed()
    {
        var control = Id();
        await using var client = await MllpTestClient.ConnectAsync(await Endpoint);
        await client.WriteRawAsync([0x0B, .. AdtMessages.Utf8(AdtMessages.A01("ADT_NIM", "NIM", control, $"NIM{Id()}^^^NIM^MR", "Fortin^Julie", "19880808", "F"))]);

        var ack = await client.ReadAckAsync();

        AdtMessages.AckCode(ack).Should().Be("AR");
        AdtMessages.Field(ack, "MSA", 2).Should().Be(control);
        AdtMessages.Field(ack, "ERR", 8).Should().Contain("end block");
        (await client.IsClosedByPeerAsync()).Should().BeTrue();
        var letters = await Services.GetRequiredService<InboxStore>().ListDeadLettersAsync();
        letters.Should().Contain(l => l.ControlId == control && l.Stage == DeadLetterStage.Envelope, "what came is kept");
        var line = await Observability.LogFiles.WaitForLineAsync(DataDirectory, "frame timeout");
        line.Should().Contain("a start block without an end block").And.NotContain("Fortin").And.NotContain("Julie");
    }

    [Fact]
    public async Task A_message_sent_without_a_start_block_is_answered_AR_and_the_connection_closed()
    {
        var control = Id();
        await using var client = await MllpTestClient.ConnectAsync(await Endpoint);
        await client.WriteRawAsync(AdtMessages.Utf8(AdtMessages.A01("ADT_NIM", "NIM", control, $"NIM{Id()}^^^NIM^MR", "Fortin^Julie", "19880808", "F")));

        var ack = await client.ReadAckAsync();

        AdtMessages.AckCode(ack).Should().Be("AR");
        AdtMessages.Field(ack, "MSA", 2).Should().Be(control);
        AdtMessages.Field(ack, "ERR", 8).Should().Contain("start block");
        (await client.IsClosedByPeerAsync()).Should().BeTrue();
    }

    [Fact]
    public async Task An_incomplete_frame_without_a_readable_msh_closes_the_connection()
    {
        await using var client = await MllpTestClient.ConnectAsync(await Endpoint);
        await client.WriteRawAsync([0x0B, .. "not an HL7 message"u8.ToArray()]);

        (await client.IsClosedByPeerAsync()).Should().BeTrue();
    }

    [Fact]
    public async Task A_sender_that_completes_its_frame_is_answered_as_usual()
    {
        var control = Id();
        await using var client = await MllpTestClient.ConnectAsync(await Endpoint);

        var ack = await client.SendAsync(AdtMessages.Utf8(AdtMessages.A01("ADT_NIM", "NIM", control, $"NIM{Id()}^^^NIM^MR", "Roy^Simon", "1990", "M")), writes: 3);

        AdtMessages.AckCode(ack).Should().Be("AA");
    }
}

/// <summary>The resend fingerprint of rows an inbox.db already holds from before the normalised comparison.</summary>
public class InboxFingerprintUpgradeTests
{
    [Fact]
    public async Task A_message_stored_with_the_old_fingerprint_is_recognised_when_resent_without_its_final_cr()
    {
        await using var kit = await InboxTestKit.CreateAsync();
        var original = InboxTestKit.Raw("OLD1");
        await using (var connection = await kit.Store.OpenAsync(CancellationToken.None))
        {
            // As the previous version left the file: the hash of the exact bytes, and schema version 0.
            await connection.ExecuteAsync("""
                INSERT INTO messages (received, sender_application, sender_facility, control_id, message_type, raw, raw_sha256, ack, bundle, patient_key)
                VALUES (0, 'ADT_NIM', 'NIM', 'OLD1', 'ADT^A08', @raw, @sha, @ack, '{"resourceType":"Bundle"}', 'k');
                PRAGMA user_version = 0;
                """, new { raw = original, sha = Convert.ToHexStringLower(SHA256.HashData(original)), ack = InboxTestKit.Ack("OLD1") });
        }

        var writer = await kit.StartWriterAsync(); // opens the file as a restarted gateway does
        var retry = original[..^1];

        var answered = await writer.FindAnsweredAsync("ADT_NIM", "NIM", "OLD1", InboxHash.Sha256(retry), CancellationToken.None);
        var admitted = await writer.AdmitAsync(InboxTestKit.Message("OLD1", raw: retry), CancellationToken.None);

        answered.Should().BeOfType<Admission.Duplicate>().Which.Ack.ToArray().Should().Equal(InboxTestKit.Ack("OLD1"));
        admitted.Should().BeOfType<Admission.Duplicate>("the same message, stored before the upgrade");
        (await kit.MessagesAsync()).Should().ContainSingle();
        var other = await writer.AdmitAsync(InboxTestKit.Message("OLD1", raw: InboxTestKit.Raw("OLD1", "PID|1||999^^^NIM^MR")), CancellationToken.None);
        other.Should().BeOfType<Admission.ControlIdReused>();
    }
}
