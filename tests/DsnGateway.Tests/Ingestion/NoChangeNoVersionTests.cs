using System.Net;
using System.Net.Http.Headers;
using DsnGateway.Fhir.Serialization;
using DsnGateway.Ingestion;
using DsnGateway.Proxy;
using DsnGateway.Tests.Ingestion.Csv;
using Hl7.Fhir.Model;
using Microsoft.Extensions.DependencyInjection;
using static DsnGateway.Tests.Ingestion.OrderMessages;
using Task = System.Threading.Tasks.Task;

namespace DsnGateway.Tests.Ingestion;

/// <summary>
/// No change, no version: a message whose Patient snapshot holds what the stored Patient holds writes no Patient
/// version, yet its Provenance is recorded and its source time still counts for "latest wins"; an order's or a CSV
/// row's Patient (identifiers only) adds no version either. Messages go in over HTTP, the record store is read
/// directly (Provenance is not offered through /fhir).
/// </summary>
public sealed class NoChangeNoVersionTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>
{
    private InboxStore Inbox => gateway.Services.GetRequiredService<InboxStore>();

    private RecordStoreClient Store => gateway.Services.GetRequiredService<RecordStoreClient>();

    private HttpClient System(string establishment) =>
        gateway.ClientWith(gateway.Token(role: "system", scope: "system/*.cu", establishment: establishment));

    private async Task SendDeliveredAsync(string message)
    {
        var control = AdtMessages.Field(message, "MSH", 10);
        using var response = await System("NIM").PostAsync("ingest/hl7v2", new ByteArrayContent(AdtMessages.Utf8(message)));
        var ack = await response.Content.ReadAsStringAsync();
        AdtMessages.AckCode(ack).Should().Be("AA", ack.Replace('\r', '\n'));
        await WaitDeliveredAsync(m => m.ControlId == control, control);
    }

    private async Task WaitDeliveredAsync(Func<StoredMessage, bool> which, string what) =>
        await InboxTestKit.WaitUntilAsync(async () =>
        {
            var messages = (await Inbox.ListMessagesAsync(CancellationToken.None)).Where(which).ToList();
            if (messages.FirstOrDefault(m => m.State == InboxMessageState.Dead) is { } dead)
                throw new Xunit.Sdk.XunitException($"{dead.ControlId} was dead-lettered: {dead.LastError}");
            return messages.Count > 0 && messages.All(m => m.State == InboxMessageState.Delivered);
        }, $"{what} is delivered");

    private async Task<Bundle> StoreBundleAsync(string relativeUrl)
    {
        using var response = await Store.SendAsync(HttpMethod.Get, relativeUrl, null, null, CancellationToken.None);
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, body);
        return FhirJson.Parse<Bundle>(body);
    }

    private async Task<Patient> PatientAsync(string mrn) =>
        (await StoreBundleAsync($"Patient?identifier=urn:dsn:mrn:nim|{mrn}")).Entry.Select(e => e.Resource).OfType<Patient>().Single();

    private async Task<int> VersionsAsync(string type, string id) => (await StoreBundleAsync($"{type}/{id}/_history")).Entry.Count;

    private async Task<int> ProvenancesAsync(string type, string id) =>
        (await StoreBundleAsync($"Provenance?target={type}/{id}&_count=100")).Entry.Count(e => e.Resource is Provenance);

    private static string Adt(string control, string mrn, string name, string time, string trigger = "A08") =>
        AdtMessages.A01("ADT_NIM", "NIM", control, $"{mrn}^^^NIM^MR", name, "19850615", "F", time: time, trigger: trigger);

    [Fact]
    public async Task The_same_demographics_sent_again_under_another_control_id_write_no_Patient_version_and_both_Provenances()
    {
        var mrn = "NIM" + Id();
        await SendDeliveredAsync(Adt("S" + Id(), mrn, "Côté^Marie-Ève", "20261120080000", trigger: "A01"));
        await SendDeliveredAsync(Adt("S" + Id(), mrn, "Côté^Marie-Ève", "20261120090000"));

        var patient = await PatientAsync(mrn);
        (await VersionsAsync("Patient", patient.Id!)).Should().Be(1, "the A08 said nothing the Patient did not hold");
        (await ProvenancesAsync("Patient", patient.Id!)).Should().Be(2, "each message's Provenance is recorded");
    }

    [Fact]
    public async Task An_older_message_arriving_after_a_newer_unchanged_one_leaves_the_demographics_alone()
    {
        var mrn = "NIM" + Id();
        await SendDeliveredAsync(Adt("O" + Id(), mrn, "Roy^Julie", "20261120080000", trigger: "A01"));
        // 10:00 says the same again: no version, but 10:00 is now the newest snapshot of this person.
        await SendDeliveredAsync(Adt("O" + Id(), mrn, "Roy^Julie", "20261120100000"));
        // 09:00 arrives late with another name: older than 10:00, so it must not win.
        await SendDeliveredAsync(Adt("O" + Id(), mrn, "Roy-Ancien^Julie", "20261120090000"));

        var patient = await PatientAsync(mrn);
        patient.Name[0].Family.Should().Be("Roy", "the 09:00 snapshot is older than the 10:00 one, which said Roy");
        (await VersionsAsync("Patient", patient.Id!)).Should().Be(1);
        (await ProvenancesAsync("Patient", patient.Id!)).Should().Be(3);
    }

    [Fact]
    public async Task Orders_and_CSV_order_rows_for_a_known_patient_add_no_Patient_version()
    {
        var n = Id();
        var mrn = "P" + n;
        await SendDeliveredAsync(Adt("C" + Id(), mrn, "Lavoie^Sophie", "20261120080000", trigger: "A01"));
        await SendDeliveredAsync(Rde("PHARM_NIM", "NIM", "C" + Id(), Pid($"{mrn}^^^NIM^MR", "LAVOIE^SOPHIE", "19850615", "F"), "NW", "CMD" + n, "",
            "ACET500^Acétaminophène^PHARMNIM", "500"));

        var orders = CsvFixtures.French(CsvFixtures.FrenchOrderHeader,
            $";{mrn};RX{n}1;;ACET500;Acétaminophène;1,5;comprimé;orale;1,5 co. q6h;actif;20/11/2026 09:15;95112;Dre Gagnon",
            $";{mrn};RX{n}2;;AMOX500;;500;mg;;;actif;20/11/2026;;");
        var content = new ByteArrayContent(orders);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        using (var response = await System("NIM").PostAsync("ingest/csv/nim/medication-orders", content))
            response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        await WaitDeliveredAsync(m => m.SenderApplication.StartsWith("CSV:", StringComparison.Ordinal) && m.ControlId.Contains($"RX{n}", StringComparison.Ordinal), "the CSV rows");

        var patient = await PatientAsync(mrn);
        (await StoreBundleAsync($"MedicationRequest?subject=Patient/{patient.Id}")).Entry.Should().HaveCount(3);
        (await VersionsAsync("Patient", patient.Id!)).Should().Be(1, "an order names the patient, it does not change them");
        (await ProvenancesAsync("Patient", patient.Id!)).Should().Be(4);
    }
}
