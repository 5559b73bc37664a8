using System.Net;
using DsnGateway.Fhir.Serialization;
using DsnGateway.Ingestion;
using Hl7.Fhir.Model;
using Microsoft.Extensions.DependencyInjection;
using Task = System.Threading.Tasks.Task;

namespace DsnGateway.Tests.Ingestion;

/// <summary>
/// Legacy systems over real TCP sockets: MLLP framing, ACKs by stage, the durable inbox, delivery to the store,
/// and a FHIR read through the gateway at the end, with fictional Quebec patients of both establishments.
/// </summary>
public class MllpIngestionTests : IClassFixture<GatewayFixture>
{
    private readonly GatewayFixture _gateway;

    public MllpIngestionTests(GatewayFixture gateway) => _gateway = gateway;

    private Task<IPEndPoint> MllpEndpoint => _gateway.Services.GetRequiredService<MllpListener>().BoundEndpoint;

    private static string Id() => Guid.NewGuid().ToString("N")[..12].ToUpperInvariant();

    /// <summary>Delivery runs after the ACK: wait (bounded) until the store answers the search.</summary>
    private async Task<Bundle> WaitForAsync(HttpClient client, string search, int expected = 1)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var bundle = FhirJson.Parse<Bundle>(await client.GetStringAsync(search));
            if (bundle.Total >= expected) return bundle;
            await Task.Delay(50);
        }
        throw new Xunit.Sdk.XunitException($"{search} never found {expected} result(s)");
    }

    [Fact]
    public async Task An_adt_sent_over_mllp_is_acknowledged_after_commit_and_readable_through_the_gateway()
    {
        var mrn = "NIM" + Id();
        var control = Id();
        var message = AdtMessages.A01("ADT_NIM", "NIM", control, $"LAVS90541234^^^RAMQ^JHN~{mrn}^^^NIM^MR", "Lavoie^Sophie^Élodie", "19900412", "F");
        await using var sender = await MllpTestClient.ConnectAsync(await MllpEndpoint);

        var ack = await sender.SendAsync(AdtMessages.Utf8(message));

        AdtMessages.AckCode(ack).Should().Be("AA");
        AdtMessages.Field(ack, "MSA", 2).Should().Be(control, "MSA-2 names the message acknowledged");
        AdtMessages.Field(ack, "MSH", 3).Should().Be("DSN", "the ACK's sender is the message's receiver");
        AdtMessages.Field(ack, "MSH", 5).Should().Be("ADT_NIM");
        AdtMessages.Field(ack, "MSH", 12).Should().Be("2.5.1");

        var bundle = await WaitForAsync(_gateway.Client, $"fhir/Patient?identifier=urn:dsn:mrn:nim|{mrn}");
        var patient = (Patient)bundle.Entry[0].Resource!;
        patient.Name[0].Family.Should().Be("Lavoie");
        patient.Name[0].Given.Should().Equal("Sophie", "Élodie");
        patient.BirthDate.Should().Be("1990-04-12");
        patient.Gender.Should().Be(AdministrativeGender.Female);
        patient.Identifier.Should().Contain(i => i.System == "https://fhir.infoway-inforoute.ca/NamingSystem/ca-qc-patient-healthcare-id" && i.Value == "LAVS90541234");
    }

    [Fact]
    public async Task Latin1_messages_keep_their_accents_and_frames_split_across_writes_are_reassembled()
    {
        var mrn = "NIM" + Id();
        var message = AdtMessages.A01("ADT_NIM", "NIM", Id(), $"{mrn}^^^NIM^MR", "Bélanger^François", "19751231", "M", charset: "8859/1");
        await using var sender = await MllpTestClient.ConnectAsync(await MllpEndpoint);

        var ack = await sender.SendAsync(AdtMessages.Latin1(message), writes: 7);

        AdtMessages.AckCode(ack).Should().Be("AA");
        var patient = (Patient)(await WaitForAsync(_gateway.Client, $"fhir/Patient?identifier=urn:dsn:mrn:nim|{mrn}")).Entry[0].Resource!;
        patient.Name[0].Family.Should().Be("Bélanger");
        patient.Name[0].Given.Should().Equal("François");
    }

    [Fact]
    public async Task The_same_nam_from_both_establishments_is_one_patient_with_both_mrns()
    {
        var nim = "NIM" + Id();
        var mcq = "MCQ" + Id();
        await using var sender = await MllpTestClient.ConnectAsync(await MllpEndpoint);

        AdtMessages.AckCode(await sender.SendAsync(AdtMessages.Utf8(AdtMessages.A01("ADT_NIM", "NIM", Id(), $"ROYL75093017^^^RAMQ^JHN~{nim}^^^NIM^MR", "Roy^Luc", "19750930", "M")))).Should().Be("AA");
        await WaitForAsync(_gateway.Client, $"fhir/Patient?identifier=urn:dsn:mrn:nim|{nim}");
        AdtMessages.AckCode(await sender.SendAsync(AdtMessages.Utf8(AdtMessages.A01("ADT_MCQ", "MCQ", Id(), $"ROYL75093017^^^RAMQ^JHN~{mcq}^^^MCQ^MR", "Roy^Luc", "19750930", "M", time: "20261120090000")))).Should().Be("AA");

        var bundle = await WaitForAsync(_gateway.Client, $"fhir/Patient?identifier=urn:dsn:mrn:mcq|{mcq}");
        bundle.Total.Should().Be(1);
        var patient = (Patient)bundle.Entry[0].Resource!;
        patient.Identifier.Select(i => i.Value).Should().Contain([nim, mcq, "ROYL75093017"]);
        var byNam = FhirJson.Parse<Bundle>(await _gateway.Client.GetStringAsync("fhir/Patient?identifier=https://fhir.infoway-inforoute.ca/NamingSystem/ca-qc-patient-healthcare-id|ROYL75093017"));
        byNam.Total.Should().Be(1, "one person, one Patient");
    }

    [Fact]
    public async Task Several_messages_on_one_connection_each_get_their_ack_in_order()
    {
        await using var sender = await MllpTestClient.ConnectAsync(await MllpEndpoint);
        var controls = Enumerable.Range(0, 5).Select(_ => Id()).ToList();
        foreach (var control in controls)
        {
            var ack = await sender.SendAsync(AdtMessages.Utf8(AdtMessages.A01("ADT_NIM", "NIM", control, $"NIM{Id()}^^^NIM^MR", "Tremblay^Test", "2001", "U")));
            AdtMessages.Field(ack, "MSA", 2).Should().Be(control);
            AdtMessages.AckCode(ack).Should().Be("AA");
        }
    }

    [Fact]
    public async Task An_unknown_sender_gets_AR_204_and_the_message_is_kept()
    {
        var control = Id();
        await using var sender = await MllpTestClient.ConnectAsync(await MllpEndpoint);

        var ack = await sender.SendAsync(AdtMessages.Utf8(AdtMessages.A01("LAB_X", "ELSEWHERE", control, $"X{Id()}^^^NIM^MR", "Inconnu^Test", "1980", "U")));

        AdtMessages.AckCode(ack).Should().Be("AR");
        AdtMessages.Field(ack, "ERR", 3).Should().StartWith("204");
        AdtMessages.Field(ack, "ERR", 8).Should().Contain("unknown sender");
        var letters = await _gateway.Services.GetRequiredService<InboxStore>().ListDeadLettersAsync();
        letters.Should().Contain(l => l.ControlId == control && l.Stage == DeadLetterStage.Envelope && l.Reason.StartsWith("204"));
    }

    [Theory]
    [InlineData("ADT^A99", "201")]
    [InlineData("ZZZ^Z01", "200")]
    public async Task An_unsupported_message_gets_AR_with_its_code(string type, string code)
    {
        var message = AdtMessages.A01("ADT_NIM", "NIM", Id(), $"NIM{Id()}^^^NIM^MR", "Test^Type", "1980", "U").Replace("ADT^A01^ADT_A01", type);
        await using var sender = await MllpTestClient.ConnectAsync(await MllpEndpoint);

        var ack = await sender.SendAsync(AdtMessages.Utf8(message));

        AdtMessages.AckCode(ack).Should().Be("AR");
        AdtMessages.Field(ack, "ERR", 3).Should().StartWith(code);
    }

    [Fact]
    public async Task A_nam_disagreeing_with_the_birth_date_gets_AE_and_nothing_is_written()
    {
        var mrn = "NIM" + Id();
        var control = Id();
        await using var sender = await MllpTestClient.ConnectAsync(await MllpEndpoint);

        var ack = await sender.SendAsync(AdtMessages.Utf8(AdtMessages.A01("ADT_NIM", "NIM", control, $"GIRM80622512^^^RAMQ^JHN~{mrn}^^^NIM^MR", "Girard^Marie", "19801224", "F")));

        AdtMessages.AckCode(ack).Should().Be("AE");
        AdtMessages.Field(ack, "ERR", 3).Should().StartWith("102");
        (await _gateway.Services.GetRequiredService<InboxStore>().ListDeadLettersAsync())
            .Should().Contain(l => l.ControlId == control && l.Stage == DeadLetterStage.Content);
        var search = FhirJson.Parse<Bundle>(await _gateway.Client.GetStringAsync($"fhir/Patient?identifier=urn:dsn:mrn:nim|{mrn}"));
        search.Total.Should().Be(0);
    }

    [Fact]
    public async Task An_mrn_bound_to_another_nam_is_an_identity_conflict()
    {
        var mrn = "NIM" + Id();
        await using var sender = await MllpTestClient.ConnectAsync(await MllpEndpoint);
        AdtMessages.AckCode(await sender.SendAsync(AdtMessages.Utf8(AdtMessages.A01("ADT_NIM", "NIM", Id(), $"GIRM80622512^^^RAMQ^JHN~{mrn}^^^NIM^MR", "Girard^Marie", "19801225", "F")))).Should().Be("AA");
        await WaitForAsync(_gateway.Client, $"fhir/Patient?identifier=urn:dsn:mrn:nim|{mrn}");

        var ack = await sender.SendAsync(AdtMessages.Utf8(AdtMessages.A01("ADT_NIM", "NIM", Id(), $"ROYL75093017^^^RAMQ^JHN~{mrn}^^^NIM^MR", "Roy^Luc", "19750930", "M")));

        AdtMessages.AckCode(ack).Should().Be("AE");
        AdtMessages.Field(ack, "ERR", 3).Should().StartWith("207");
    }

    [Fact]
    public async Task A_byte_identical_resend_gets_the_original_ack_and_other_bytes_under_the_same_id_get_AR_205()
    {
        var control = Id();
        var mrn = "NIM" + Id();
        var message = AdtMessages.Utf8(AdtMessages.A01("ADT_NIM", "NIM", control, $"{mrn}^^^NIM^MR", "Gagnon^Alice", "1999", "F"));
        await using var sender = await MllpTestClient.ConnectAsync(await MllpEndpoint);

        var first = await sender.SendAsync(message);
        var again = await sender.SendAsync(message);
        var altered = await sender.SendAsync(AdtMessages.Utf8(AdtMessages.A01("ADT_NIM", "NIM", control, $"{mrn}^^^NIM^MR", "Gagnon^Alicia", "1999", "F")));

        AdtMessages.AckCode(first).Should().Be("AA");
        again.Should().Be(first, "the stored ACK is sent back unchanged");
        AdtMessages.AckCode(altered).Should().Be("AR");
        AdtMessages.Field(altered, "ERR", 3).Should().StartWith("205");
        var patient = (Patient)(await WaitForAsync(_gateway.Client, $"fhir/Patient?identifier=urn:dsn:mrn:nim|{mrn}")).Entry[0].Resource!;
        patient.Name[0].Given.Should().Equal("Alice");
    }

    [Fact]
    public async Task An_older_message_never_overwrites_newer_demographics_but_adds_its_identifiers()
    {
        var mrn = "NIM" + Id();
        var other = "HUB" + Id();
        await using var sender = await MllpTestClient.ConnectAsync(await MllpEndpoint);
        AdtMessages.AckCode(await sender.SendAsync(AdtMessages.Utf8(AdtMessages.A01("ADT_NIM", "NIM", Id(), $"{mrn}^^^NIM^MR", "Nouveau^Nom", "1970", "U", time: "20261120120000")))).Should().Be("AA");
        await WaitForAsync(_gateway.Client, $"fhir/Patient?identifier=urn:dsn:mrn:nim|{mrn}");

        AdtMessages.AckCode(await sender.SendAsync(AdtMessages.Utf8(AdtMessages.A01("ADT_NIM", "NIM", Id(), $"{mrn}^^^NIM^MR~{other}^^^HUB^PI", "Ancien^Nom", "1970", "U", time: "20261101120000", trigger: "A08")))).Should().Be("AA");

        var search = $"fhir/Patient?identifier=urn:dsn:id:nim:hub|{other}";
        var patient = (Patient)(await WaitForAsync(_gateway.Client, search)).Entry[0].Resource!;
        patient.Name[0].Family.Should().Be("Nouveau", "the older message's name does not replace the newer one");
        patient.Identifier.Should().Contain(i => i.Value == other, "identifiers accumulate");
    }

    [Fact]
    public async Task Ingestion_writes_no_patient_data_to_the_logs()
    {
        var mrn = "NIM" + Id();
        await using var sender = await MllpTestClient.ConnectAsync(await MllpEndpoint);
        AdtMessages.AckCode(await sender.SendAsync(AdtMessages.Utf8(AdtMessages.A01("ADT_NIM", "NIM", Id(), $"PELJ61041598^^^RAMQ^JHN~{mrn}^^^NIM^MR", "Pelletier^Josée", "19610415", "M")))).Should().Be("AA");
        AdtMessages.AckCode(await sender.SendAsync(AdtMessages.Utf8(AdtMessages.A01("ADT_NIM", "NIM", Id(), $"PELJ61541598^^^RAMQ^JHN~{mrn}X^^^NIM^MR", "Pelletier^Josée", "19610415", "M")))).Should().Be("AE");
        await WaitForAsync(_gateway.Client, $"fhir/Patient?identifier=urn:dsn:mrn:nim|{mrn}");

        var logs = Observability.LogFiles.ReadAll(_gateway.DataDirectory);
        logs.Should().Contain("ADT_NIM", "the ingestion is logged");
        foreach (var secret in new[] { "Pelletier", "Josée", "Jos\u00E9e", "PELJ61041598", "PELJ61541598", "19610415", "1961-04-15", "rue Fictive" })
        {
            logs.Should().NotContain(secret);
        }
    }

    [Fact]
    public async Task An_oversized_frame_with_a_readable_msh_gets_AR()
    {
        var message = AdtMessages.A01("ADT_NIM", "NIM", Id(), $"NIM{Id()}^^^NIM^MR", "Grand^Message", "1980", "U")
            + "NTE|1||" + new string('x', 1_200_000) + "\r";
        await using var sender = await MllpTestClient.ConnectAsync(await MllpEndpoint);

        var ack = await sender.SendAsync(AdtMessages.Utf8(message));

        AdtMessages.AckCode(ack).Should().Be("AR");
        AdtMessages.Field(ack, "ERR", 8).Should().Contain("ceiling");
    }

    [Fact]
    public async Task An_oversized_frame_without_a_readable_msh_closes_the_connection()
    {
        await using var sender = await MllpTestClient.ConnectAsync(await MllpEndpoint);
        var garbage = new byte[1_200_000];
        Array.Fill(garbage, (byte)'z');
        await sender.WriteRawAsync(DsnGateway.Hl7v2.Mllp.MllpFrameWriter.Frame(garbage));

        (await sender.IsClosedByPeerAsync()).Should().BeTrue();
    }
}
