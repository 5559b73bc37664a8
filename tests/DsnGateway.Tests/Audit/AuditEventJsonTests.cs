using System.Text;
using DsnGateway.Audit;
using Hl7.Fhir.Model;
using DsnGateway.Fhir.Serialization;

namespace DsnGateway.Tests.Audit;

/// <summary>The audit's own writer says exactly what the general FHIR serializer says, and the chain hashes it the same.</summary>
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

        Encoding.UTF8.GetString(written).Should().Be(FhirJson.Serialize(auditEvent), because);
        AuditChain.Hash(AuditChain.Genesis, written).Should().Be(AuditChain.Hash(AuditChain.Genesis, FhirJson.Serialize(auditEvent)));
    }

    [Fact]
    public void An_event_with_elements_it_does_not_write_goes_to_the_fhir_serializer_whole()
    {
        var auditEvent = new AuditEventFactory().Create(AuditTestData.Read());
        auditEvent.Id = "43";
        auditEvent.Language = "fr-CA";
        auditEvent.Agent![0].Extension = [new Extension { Url = "urn:x", ValueString = "kept" }];
        auditEvent.Entity![0].What!.Identifier!.Period = new Period { Start = "2025-01-01" };

        Encoding.UTF8.GetString(AuditEventJson.SerializeToUtf8Bytes(auditEvent)).Should().Be(FhirJson.Serialize(auditEvent))
            .And.Contain("\"kept\"").And.Contain("fr-CA").And.Contain("2025-01-01");
    }

    /// <summary>
    /// Every element of the types an AuditEvent is made of, as <see cref="AuditEventJson"/> knows them (written, or
    /// sent to the general serializer). A regenerated model with a new element fails here until the writer knows it.
    /// </summary>
    [Theory]
    [InlineData(typeof(AuditEvent), "Id IdElement Meta ImplicitRules ImplicitRulesElement Language LanguageElement Text Contained Extension ModifierExtension Type Subtype Action ActionElement Period Recorded RecordedElement Outcome OutcomeElement OutcomeDesc OutcomeDescElement PurposeOfEvent Agent Source Entity")]
    [InlineData(typeof(Meta), "Id Extension VersionId VersionIdElement LastUpdated LastUpdatedElement Source SourceElement Profile Security Tag")]
    [InlineData(typeof(AuditEventAgent), "Id Extension ModifierExtension Type Role Who AltId AltIdElement Name NameElement Requestor RequestorElement Location Policy PolicyElement Media Network PurposeOfUse")]
    [InlineData(typeof(AuditEventNetwork), "Id Extension ModifierExtension Address AddressElement Type TypeElement")]
    [InlineData(typeof(AuditEventSource), "Id Extension ModifierExtension Site SiteElement Observer Type")]
    [InlineData(typeof(AuditEventEntity), "Id Extension ModifierExtension What Type Role Lifecycle SecurityLabel Name NameElement Description DescriptionElement Query QueryElement Detail")]
    [InlineData(typeof(AuditEventDetail), "Id Extension ModifierExtension Type TypeElement ValueString ValueStringElement ValueBase64Binary ValueBase64BinaryElement")]
    [InlineData(typeof(CodeableConcept), "Id Extension Coding Text TextElement")]
    [InlineData(typeof(Coding), "Id Extension System SystemElement Version VersionElement Code CodeElement Display DisplayElement UserSelected UserSelectedElement")]
    [InlineData(typeof(Reference), "Id Extension ReferenceValue ReferenceElement Type TypeElement Identifier Display DisplayElement")]
    [InlineData(typeof(Identifier), "Id Extension Use UseElement Type System SystemElement Value ValueElement Period Assigner")]
    public void The_writer_knows_every_element_of_the_model(Type type, string known)
    {
        var elements = type.GetProperties().Where(p => p.GetCustomAttributes(typeof(System.Text.Json.Serialization.JsonPropertyNameAttribute), true).Length > 0).Select(p => p.Name);
        elements.Should().BeEquivalentTo(known.Split(' '));
    }
}
