using System.Net;
using System.Net.Sockets;
using System.Text;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using DsnGateway.Fhir.Serialization;
using static DsnGateway.Tests.Authorization.AccessKit;

namespace DsnGateway.Tests.Authorization;

/// <summary>X-Break-Glass: a reason opens a patient outside the relationship, audited and flagged; no reason, no access.</summary>
public class BreakGlassTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    [Fact]
    public async Task With_a_reason_the_patient_is_readable_and_the_audit_says_why()
    {
        var subject = Unique("dr.btg.");
        using var client = fixture.Clinician("NIM", subject: subject);

        using var response = await GetAsync(client, $"fhir/Patient/{Gagnon}", "urgence");
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, body);
        FhirJson.Parse<Patient>(body).Id.Should().Be(Gagnon);

        var audit = (await fixture.AuditEventsAsync($"agent={subject}")).Should().ContainSingle().Subject;
        audit.Outcome.Should().Be(AuditEvent.AuditEventOutcome.N0);
        audit.PurposeOfEvent!.Should().ContainSingle().Which.Should().Match<CodeableConcept>(c =>
            c.Text == "urgence" && c.Coding!.Any(k => k.Code == "BTG" && k.System == "http://terminology.hl7.org/CodeSystem/v3-ActReason"));
        audit.Agent!.Single(a => a.Requestor == true).PurposeOfUse!.Single().Text.Should().Be("urgence");
        audit.IsFlagged().Should().BeTrue();
        audit.PatientEntities().Should().Equal($"Patient/{Gagnon}");

        // Privacy officers find it among the flagged accesses.
        (await fixture.AuditEventsAsync($"agent={subject}&_tag=urn:dsn:audit|flagged")).Should().ContainSingle();
    }

    [Fact]
    public async Task Break_glass_opens_the_patient_records_and_everything()
    {
        using var client = fixture.Clinician("NIM");
        (await GetAsync(client, "fhir/MedicationRequest/sample-mr-gagnon-1", "urgence")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await GetAsync(client, "fhir/Procedure/sample-proc-gagnon-1", "urgence")).StatusCode.Should().Be(HttpStatusCode.OK);
        var orders = await SearchAllAsync(client, $"fhir/MedicationRequest?patient=Patient/{Gagnon}", "urgence");
        orders.Select(o => o.Id).Should().Equal("sample-mr-gagnon-1");
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public async Task Without_a_reason_it_is_refused_saying_a_reason_is_required(string header)
    {
        var subject = Unique("dr.noreason.");
        using var client = fixture.Clinician("NIM", subject: subject);
        using var response = await GetAsync(client, $"fhir/Patient/{Gagnon}", header);
        var outcome = await ExpectOutcomeAsync(response, HttpStatusCode.Forbidden);
        outcome.Diagnostics().Should().Contain("reason");
        (await response.Content.ReadAsStringAsync()).Should().NotContain("Gagnon");

        // Even a patient the clinician may see is refused with an empty reason: the header is a claim to justify.
        using var own = await GetAsync(client, $"fhir/Patient/{Tremblay}", header);
        own.StatusCode.Should().Be(HttpStatusCode.Forbidden);

        var audits = await fixture.AuditEventsAsync($"agent={subject}");
        audits.Should().HaveCount(2).And.OnlyContain(a => a.Outcome == AuditEvent.AuditEventOutcome.N4 && a.IsFlagged());
    }

    /// <summary>
    /// What clients really send, byte for byte over a socket: curl and native apps UTF-8, browsers and fetch-based
    /// clients one Latin-1 byte per character (they cannot send a character beyond U+00FF at all, such as the
    /// apostrophe ’), and anyone may send RFC 8187's UTF-8'' percent-encoding. The audit keeps the text meant.
    /// </summary>
    [Theory]
    [InlineData("utf-8", "patient inconscient à l’urgence", "patient inconscient à l’urgence")]
    [InlineData("iso-8859-1", "arrêt cardiaque, réanimation", "arrêt cardiaque, réanimation")]
    [InlineData("us-ascii", "UTF-8''patient%20inconscient%20%C3%A0%20l%E2%80%99urgence", "patient inconscient à l’urgence")]
    [InlineData("us-ascii", "utf-8'fr'r%C3%A9animation%20(code%20bleu)", "réanimation (code bleu)")]
    [InlineData("us-ascii", "urgence", "urgence")]
    public async Task The_reason_is_stored_as_the_client_meant_it_whatever_its_encoding(string encoding, string header, string expected)
    {
        var subject = Unique("dr.raw.");
        var (status, body) = await SendRawAsync($"fhir/Patient/{Gagnon}", subject, Encoding.GetEncoding(encoding).GetBytes(header));
        status.Should().Be(200, body);

        var audit = (await fixture.AuditEventsAsync($"agent={subject}")).Should().ContainSingle().Subject;
        audit.PurposeOfEvent!.Single().Text.Should().Be(expected);
        audit.Agent!.Single(a => a.Requestor == true).PurposeOfUse!.Single().Text.Should().Be(expected);
        audit.IsFlagged().Should().BeTrue();
    }

    [Theory]
    [InlineData("UTF-8''l%E2%80urgence", "UTF-8")]          // percent-decoded bytes that are not UTF-8
    [InlineData("UTF-8''urgence%2", "percent")]             // a cut escape
    [InlineData("UTF-8''urgence%ZZ", "percent")]
    [InlineData("UTF-8''l\u00e2\u0080\u0099urgence", "percent")] // raw bytes (here ’ in UTF-8) where RFC 8187 wants them encoded
    [InlineData("UTF-8''urgence%07", "control")]            // a control character, encoded
    [InlineData("urgence\u0001", "control")]               // a raw control byte
    [InlineData("urgence\u001b[2J", "control")]            // a terminal escape sequence
    [InlineData("urgence\u0085", "control")]               // a lone byte read as Latin-1 that is a C1 control
    public async Task A_malformed_or_control_laden_reason_is_400_with_an_outcome_saying_why(string header, string said)
    {
        var subject = Unique("dr.badreason.");
        var bytes = Encoding.Latin1.GetBytes(header);
        var (status, body) = await SendRawAsync($"fhir/Patient/{Gagnon}", subject, bytes);
        status.Should().Be(400, body);
        var outcome = FhirJson.Parse<OperationOutcome>(body);
        outcome.Diagnostics().Should().Contain("X-Break-Glass").And.Contain(said);
        body.Should().NotContain("Gagnon");

        var audit = (await fixture.AuditEventsAsync($"agent={subject}")).Should().ContainSingle().Subject;
        audit.Outcome.Should().Be(AuditEvent.AuditEventOutcome.N4);
        audit.PurposeOfEvent.Should().BeNullOrEmpty();
    }

    /// <summary>One request over a plain socket, its X-Break-Glass value exactly these bytes; the status and the body.</summary>
    private async Task<(int Status, string Body)> SendRawAsync(string path, string subject, byte[] breakGlass)
    {
        var token = fixture.Token("clinician", "user/*.cruds", "NIM", subject);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(fixture.BaseUri.Host, fixture.BaseUri.Port);
        var stream = tcp.GetStream();
        var head = Encoding.ASCII.GetBytes($"GET /{path} HTTP/1.1\r\nHost: {fixture.BaseUri.Authority}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\nX-Break-Glass: ");
        byte[] request = [.. head, .. breakGlass, .. "\r\n\r\n"u8.ToArray()];
        await stream.WriteAsync(request);
        using var received = new MemoryStream();
        await stream.CopyToAsync(received);
        var response = received.ToArray();
        var end = response.AsSpan().IndexOf("\r\n\r\n"u8);
        var headers = Encoding.ASCII.GetString(response, 0, end);
        var body = response.AsSpan(end + 4).ToArray();
        if (headers.Contains("transfer-encoding: chunked", StringComparison.OrdinalIgnoreCase)) body = Dechunk(body);
        return (int.Parse(headers.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture), Encoding.UTF8.GetString(body));
    }

    private static byte[] Dechunk(byte[] chunked)
    {
        using var body = new MemoryStream();
        var at = 0;
        while (true)
        {
            var lineEnd = chunked.AsSpan(at).IndexOf("\r\n"u8) + at;
            var size = Convert.ToInt32(Encoding.ASCII.GetString(chunked, at, lineEnd - at).Split(';')[0], 16);
            if (size == 0) return body.ToArray();
            body.Write(chunked, lineEnd + 2, size);
            at = lineEnd + 2 + size + 2;
        }
    }
}
