using System.Net;
using System.Text;
using DsnGateway.Audit;
using DsnGateway.Fhir.Serialization;
using DsnGateway.Tests.Authorization;
using Hl7.Fhir.Model;
using Microsoft.Extensions.DependencyInjection;
using static DsnGateway.Tests.Authorization.AccessKit;
using Task = System.Threading.Tasks.Task;

namespace DsnGateway.Tests.Audit;

/// <summary>
/// The JSON the audit stores and hashes is exactly what Firely's serializer (<see cref="FhirJson"/>) writes, for the events
/// the factory makes and for every event a real gateway records, and the chain hashes it the same; those events are
/// written by the audit's own writer (the read path's fast one), anything else by Firely's.
/// </summary>
public class AuditEventJsonTests
{
    public static TheoryData<string, AuditRecord> Records()
    {
        var data = new TheoryData<string, AuditRecord>
        {
            { "read", AuditTestData.Read() },
            { "search", AuditTestData.Search("a", "b") },
            { "refused read", AuditTestData.Read(status: 403) },
            { "login refused, nothing known", new AuditRecord
                {
                    Recorded = AuditTestData.Noon, RequestId = "r-login", Interaction = "login", HttpMethod = "GET", Path = "/fhir/Patient",
                    HttpStatus = 401, OutcomeDescription = "Authentication required: no bearer token was sent.", Agent = new AuditAgent { NetworkAddress = "::1" },
                } },
            { "break-glass, accents, quotes, markup, fhirUser not a reference, odd scopes", new AuditRecord
                {
                    Recorded = AuditTestData.Noon.AddMilliseconds(7), RequestId = "r-btg", Interaction = "read", ResourceType = "Patient", ResourceId = "p-9",
                    HttpMethod = "GET", Path = "/fhir/Patient/p-9", HttpStatus = 200,
                    Agent = AuditTestData.Clinician() with { FhirUser = "https://idp.example/users/élise \"x\"", Scopes = "  user/*.rs \t patient/Patient.r  " },
                    Patients = ["Patient/p-9"], BreakGlassReason = "Patiente inconsciente à l’urgence <arrêt> \\ \"code\" \u0001",
                } },
            { "create without id, no client, no establishment", new AuditRecord
                {
                    Recorded = AuditTestData.Noon, RequestId = "r-create", Interaction = "create", ResourceType = "MedicationRequest", HttpMethod = "POST",
                    Path = "/fhir/MedicationRequest", HttpStatus = 201, Agent = new AuditAgent { Subject = "sys", Role = "system", Scopes = "" },
                } },
            { "operation failed, unknown interaction", new AuditRecord
                {
                    Recorded = AuditTestData.Noon, RequestId = "r-op", Interaction = "merge", ResourceType = "Patient", ResourceId = "p1", HttpMethod = "POST",
                    Path = "/admin/patients/p1/restricted", HttpStatus = 503, OutcomeDescription = "store down", Agent = AuditTestData.Clinician(),
                    Patients = ["p1", "Patient/p1", "Patient/p2"],
                } },
        };
        return data;
    }

    [Theory]
    [MemberData(nameof(Records))]
    public void Writes_what_the_fhir_serializer_writes(string because, AuditRecord record)
    {
        var auditEvent = new AuditEventFactory().Create(record);
        auditEvent.Id = "42";

        var written = AuditEventJson.SerializeToUtf8Bytes(auditEvent);
        // The audit store's path: one buffer reused for a whole batch, holding a longer event before this one.
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(16);
        AuditEventJson.Write(new AuditEventFactory().Create(AuditTestData.Search("x", "y", "z")), buffer);
        var reused = AuditEventJson.Write(auditEvent, buffer).ToArray();

        AuditEventJson.IsPlain(auditEvent).Should().BeTrue("what the factory builds is written by hand, not by Firely's serializer");
        Encoding.UTF8.GetString(written).Should().Be(FhirJson.Serialize(auditEvent), because);
        reused.Should().Equal(written, because);
        AuditChain.Hash(AuditChain.Genesis, written).Should().Be(AuditChain.Hash(AuditChain.Genesis, FhirJson.Serialize(auditEvent)));
    }

    [Fact]
    public void An_event_with_elements_the_factory_never_sets_is_written_whole()
    {
        var auditEvent = new AuditEventFactory().Create(AuditTestData.Read());
        auditEvent.Id = "43";
        auditEvent.Language = "fr-CA";
        auditEvent.Agent[0].Extension = [new Extension { Url = "urn:x", Value = new FhirString("kept") }];
        auditEvent.Entity[0].What!.Identifier!.Period = new Period { Start = "2025-01-01" };
        AuditEventJson.IsPlain(auditEvent).Should().BeFalse();

        Encoding.UTF8.GetString(AuditEventJson.SerializeToUtf8Bytes(auditEvent)).Should().Be(FhirJson.Serialize(auditEvent))
            .And.Contain("\"kept\"").And.Contain("fr-CA").And.Contain("2025-01-01");
    }

    [Fact]
    public void An_extension_on_a_primitive_element_is_written_too()
    {
        // Firely hangs these on the primitive (ActionElement, Who.ReferenceElement): JSON's "_action", "_reference".
        var auditEvent = new AuditEventFactory().Create(AuditTestData.Read());
        auditEvent.Id = "44";
        auditEvent.ActionElement!.Extension.Add(new Extension { Url = "urn:x:action", Value = new Code("kept-action") });
        auditEvent.Agent.Single(a => a.Requestor == true).Who!.ReferenceElement!.ElementId = "who-1";
        AuditEventJson.IsPlain(auditEvent).Should().BeFalse();

        var written = Encoding.UTF8.GetString(AuditEventJson.SerializeToUtf8Bytes(auditEvent));

        written.Should().Be(FhirJson.Serialize(auditEvent)).And.Contain("\"_action\"").And.Contain("kept-action").And.Contain("who-1");
    }

    /// <summary>
    /// Every AuditEvent a real gateway records for the requests of this suite (reads, searches with includes, writes,
    /// refusals 401, 403 and 400, break-the-glass, a deletion), as stored in its audit chain: the stored JSON is what
    /// Firely's serializer writes for that event, byte for byte, and what the audit's own writer writes for it again.
    /// </summary>
    [Fact]
    public async Task Every_event_a_gateway_records_is_stored_as_the_fhir_serializer_writes_it()
    {
        await using var gateway = await OwnGateway.StartAsync();
        using (var clinician = gateway.Client())
        {
            (await clinician.GetAsync($"fhir/Patient/{Tremblay}")).StatusCode.Should().Be(HttpStatusCode.OK);
            (await clinician.GetAsync("fhir/MedicationRequest?_include=MedicationRequest:patient&_count=5")).StatusCode.Should().Be(HttpStatusCode.OK);
            (await clinician.PostAsync("fhir/Patient/_search", new FormUrlEncodedContent([KeyValuePair.Create("family", "Tremblay")]))).StatusCode.Should().Be(HttpStatusCode.OK);
            (await clinician.GetAsync($"fhir/Patient/{Gagnon}")).StatusCode.Should().Be(HttpStatusCode.Forbidden);
            (await GetAsync(clinician, $"fhir/Patient/{Gagnon}", "UTF-8''patiente%20inconsciente%20%C3%A0%20l%E2%80%99urgence%20%22code%20bleu%22")).StatusCode.Should().Be(HttpStatusCode.OK);
            (await GetAsync(clinician, $"fhir/Patient/{Gagnon}", "UTF-8''urgence%07")).StatusCode.Should().Be(HttpStatusCode.BadRequest);
            var patient = await CreateAsync(clinician, NewPatient(NimMrn, out _));
            var order = await CreateAsync(clinician, NewOrder(patient.Id!));
            (await clinician.DeleteAsync($"fhir/MedicationRequest/{order.Id}")).IsSuccessStatusCode.Should().BeTrue();
            using var invalid = new StringContent($"{{\"resourceType\":\"Patient\",\"identifier\":[{{\"system\":\"{NimMrn}\",\"value\":\"{Unique("INV")}\"}}],\"name\":[{{\"family\":\"\"}}]}}",
                Encoding.UTF8, "application/fhir+json");
            (await clinician.PostAsync("fhir/Patient", invalid)).StatusCode.Should().Be(HttpStatusCode.BadRequest);
        }
        using (var scoped = gateway.Client(scope: "user/Patient.r", subject: "dr.scope"))
            (await scoped.GetAsync("fhir/Patient?family=Tremblay")).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        using (var anonymous = new HttpClient { BaseAddress = gateway.BaseUri })
            (await anonymous.GetAsync($"fhir/Patient/{Tremblay}")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        using (var officer = gateway.Client("privacy-officer", "user/AuditEvent.rs", null, "privacy.officer", fhirUser: null))
            (await officer.GetAsync("fhir/AuditEvent?_count=5")).StatusCode.Should().Be(HttpStatusCode.OK);
        await gateway.StopAsync();

        var store = new AuditStore(Path.Combine(gateway.DataDirectory, AuditStore.FileName));
        try
        {
            var stored = new List<StoredAuditEvent>();
            await foreach (var record in store.ReadChainAsync(CancellationToken.None)) stored.Add(record);
            stored.Should().HaveCountGreaterThanOrEqualTo(12, "every request above is audited");
            foreach (var record in stored)
            {
                var auditEvent = FhirJson.Parse<AuditEvent>(record.Json);
                record.Json.Should().Be(FhirJson.Serialize(auditEvent), "record {0} is Firely's JSON", record.Seq);
                Encoding.UTF8.GetString(AuditEventJson.SerializeToUtf8Bytes(auditEvent)).Should().Be(record.Json, "record {0} again", record.Seq);
                AuditEventJson.IsPlain(auditEvent).Should().BeTrue("record {0} takes the hand-written path", record.Seq);
            }
        }
        finally
        {
            store.ReleaseConnections();
        }
    }
}
