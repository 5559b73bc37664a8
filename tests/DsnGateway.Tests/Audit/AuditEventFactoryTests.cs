using System.Text;
using DsnGateway.Audit;
using Hl7.Fhir.Model;
using DsnGateway.Fhir.Serialization;
using Hl7.Fhir.Utility;

namespace DsnGateway.Tests.Audit;

/// <summary>The AuditEvent of each kind of request follows IHE BALP and is valid FHIR R4.</summary>
public class AuditEventFactoryTests
{
    private readonly AuditEventFactory _factory = new();

    [Fact]
    public void A_patient_read_is_a_BALP_rest_read_naming_the_user_client_server_and_patient()
    {
        var record = AuditTestData.Read("p1");
        var audit = _factory.Create(record);

        audit.Type.Should().BeEquivalentTo(new { System = AuditCodes.AuditEventTypeSystem, Code = "rest" });
        audit.Subtype.Should().ContainSingle().Which.Should().BeEquivalentTo(new { System = AuditCodes.RestfulInteractionSystem, Code = "read" });
        audit.Action.Should().Be(AuditEvent.AuditEventAction.R);
        audit.Outcome.Should().Be(AuditEvent.AuditEventOutcome.N0);
        audit.OutcomeDesc.Should().BeNull();
        audit.Recorded.Should().Be(AuditTestData.Noon);
        audit.Recorded!.Value.Offset.Should().Be(TimeSpan.Zero, "the audit records UTC");
        FhirJson.Serialize(audit).Should().Contain("\"recorded\":\"2025-03-14T12:00:00.000Z\"", "an instant in the store's Z form, to the millisecond");
        audit.PurposeOfEvent.Should().BeEmpty();
        audit.Meta.Should().BeNull("a routine read is not a security alert");

        var user = audit.Agent!.Single(a => a.Requestor == true);
        user.Type!.Coding![0].Code.Should().Be("IRCP");
        user.Who!.Identifier.Should().BeEquivalentTo(new { System = AuditCodes.SubjectSystem, Value = "dr-tremblay" });
        user.Who.Reference.Should().Be("Practitioner/95112");
        user.Who.Type.Should().Be("Practitioner");
        user.Role!.Single().Coding!.Single().Should().BeEquivalentTo(new { System = AuditCodes.RoleSystem, Code = "clinician" });
        user.Network!.Address.Should().Be("10.1.2.3");
        user.Network.Type.Should().Be(AuditEvent.AuditEventAgentNetworkType.N2);
        user.Policy.Should().Equal("user/Patient.rs", "user/MedicationRequest.rs");

        var client = AgentOfType(audit, "110153");
        client.Who!.Identifier.Should().BeEquivalentTo(new { System = AuditCodes.ClientIdSystem, Value = "viewer-app" });
        client.Requestor.Should().BeFalse();
        AgentOfType(audit, "110152").Who!.Display.Should().Be("DSN gateway");
        var establishment = AgentOfType(audit, "PROV");
        establishment.Who!.Identifier.Should().BeEquivalentTo(new { System = AuditCodes.EstablishmentSystem, Value = "NIM" });
        establishment.Who.Type.Should().Be("Organization");

        audit.Source!.Observer!.Display.Should().Be("DSN gateway");
        audit.Source.Type!.Single().Code.Should().Be("4");

        var patient = PatientEntities(audit).Should().ContainSingle().Subject;
        patient.What!.Reference.Should().Be("Patient/p1");
        patient.Type.Should().BeEquivalentTo(new { System = AuditCodes.EntityTypeSystem, Code = "1" });
        patient.Role.Should().BeEquivalentTo(new { System = AuditCodes.ObjectRoleSystem, Code = "1" });
        audit.Entity!.Should().Contain(e => e.Role != null && e.Role.Code == "4" && e.What!.Reference == "Patient/p1", "the resource read is the data entity");
        var request = audit.Entity!.Single(e => e.Type!.Code == "XrequestId");
        request.What!.Identifier!.Value.Should().Be(record.RequestId);
        request.Description.Should().Be("GET /fhir/Patient/p1");
    }

    [Fact]
    public void A_search_is_one_event_with_the_query_entity_and_every_patient_in_the_results()
    {
        var audit = _factory.Create(AuditTestData.Search("p1", "p2", "p3"));

        audit.Subtype!.Single().Code.Should().Be("search-type");
        audit.Action.Should().Be(AuditEvent.AuditEventAction.E);
        PatientEntities(audit).Select(e => e.What!.Reference).Should().Equal("Patient/p1", "Patient/p2", "Patient/p3");
        var query = audit.Entity!.Single(e => e.Role?.Code == "24");
        query.Type.Should().BeEquivalentTo(new { System = AuditCodes.EntityTypeSystem, Code = "2" });
        Encoding.UTF8.GetString(query.Query!).Should().Be("status=active&_count=20");
        var detail = query.Detail.Should().ContainSingle().Subject;
        detail.Type.Should().Be("resourceType");
        detail.Value.Should().BeOfType<FhirString>().Which.Value.Should().Be("MedicationRequest");
    }

    [Fact]
    public void A_create_is_action_C_by_the_author_naming_the_new_resource()
    {
        var record = AuditTestData.Read("p9", status: 201) with
        {
            Interaction = "create",
            ResourceType = "MedicationRequest",
            ResourceId = "mr-1",
            HttpMethod = "POST",
            Path = "/fhir/MedicationRequest",
            Patients = ["Patient/p9"],
        };
        var audit = _factory.Create(record);

        audit.Subtype!.Single().Code.Should().Be("create");
        audit.Action.Should().Be(AuditEvent.AuditEventAction.C);
        audit.Outcome.Should().Be(AuditEvent.AuditEventOutcome.N0);
        audit.Agent!.Single(a => a.Requestor == true).Type!.Coding![0].Code.Should().Be("AUT");
        audit.Entity!.Should().Contain(e => e.Role != null && e.Role.Code == "4" && e.What!.Reference == "MedicationRequest/mr-1");
        PatientEntities(audit).Single().What!.Reference.Should().Be("Patient/p9");
    }

    [Fact]
    public void A_403_is_an_authorization_failure_describing_the_denied_request_and_flagged()
    {
        var record = AuditTestData.Read("p2", status: 403) with { OutcomeDescription = "no care relationship with the patient" };
        var audit = _factory.Create(record);

        audit.Type!.Code.Should().Be("rest");
        audit.Subtype!.Single().Code.Should().Be("read", "the interaction that was attempted");
        audit.Outcome.Should().Be(AuditEvent.AuditEventOutcome.N4);
        audit.OutcomeDesc.Should().Be("HTTP 403: no care relationship with the patient");
        audit.Entity!.Should().Contain(e => e.Role != null && e.Role.Code == "4" && e.What!.Reference == "Patient/p2");
        PatientEntities(audit).Single().What!.Reference.Should().Be("Patient/p2");
        audit.Meta!.Tag.Should().ContainSingle(t => t.System == AuditCodes.FlagSystem && t.Code == AuditCodes.FlagCode);
    }

    [Fact]
    public void A_401_before_any_interaction_is_a_failed_login_with_the_caller_address_and_flagged()
    {
        var record = new AuditRecord
        {
            Recorded = AuditTestData.Noon,
            RequestId = "req-401",
            Interaction = "login",
            HttpMethod = "GET",
            Path = "/fhir/Patient/p1",
            HttpStatus = 401,
            OutcomeDescription = "the token has expired",
            Agent = new AuditAgent { NetworkAddress = "192.0.2.7" },
        };
        var audit = _factory.Create(record);

        audit.Type.Should().BeEquivalentTo(new { System = AuditCodes.DicomSystem, Code = "110114" });
        audit.Subtype!.Single().Should().BeEquivalentTo(new { System = AuditCodes.DicomSystem, Code = "110122" });
        audit.Action.Should().Be(AuditEvent.AuditEventAction.E);
        audit.Outcome.Should().Be(AuditEvent.AuditEventOutcome.N4);
        audit.OutcomeDesc.Should().Be("HTTP 401: the token has expired");
        var user = audit.Agent!.Single(a => a.Requestor == true);
        user.Who.Should().BeNull("nothing is known of an unauthenticated caller but the address");
        user.Network!.Address.Should().Be("192.0.2.7");
        audit.Entity!.Single(e => e.Type!.Code == "XrequestId").Description.Should().Be("GET /fhir/Patient/p1");
        audit.Meta!.Tag.Should().ContainSingle(t => t.Code == AuditCodes.FlagCode);
        RoundTrip(audit);
    }

    [Fact]
    public void A_break_the_glass_read_carries_purpose_BTG_with_the_reason_and_is_flagged()
    {
        var record = AuditTestData.Read("p3") with { BreakGlassReason = "unconscious patient in emergency" };
        var audit = _factory.Create(record);

        audit.Outcome.Should().Be(AuditEvent.AuditEventOutcome.N0);
        var purpose = audit.PurposeOfEvent.Should().ContainSingle().Subject;
        purpose.Coding!.Single().Should().BeEquivalentTo(new { System = AuditCodes.ActReasonSystem, Code = "BTG" });
        purpose.Text.Should().Be("unconscious patient in emergency");
        audit.Agent!.Single(a => a.Requestor == true).PurposeOfUse!.Single().Text.Should().Be("unconscious patient in emergency");
        audit.Meta!.Tag.Should().ContainSingle(t => t.System == AuditCodes.FlagSystem && t.Code == AuditCodes.FlagCode);
    }

    /// <summary>
    /// The one rule for <c>urn:dsn:audit|flagged</c>, as the README states it: every 401 and 403, and every request
    /// made with a break-the-glass reason whatever its outcome; no other outcome, a 400 or a 503 included.
    /// </summary>
    [Theory]
    [InlineData(200, null, false)]
    [InlineData(400, null, false)]
    [InlineData(404, null, false)]
    [InlineData(405, null, false)]
    [InlineData(503, null, false)]
    [InlineData(401, null, true)]
    [InlineData(403, null, true)]
    [InlineData(200, "urgence", true)]
    [InlineData(404, "urgence", true)]
    [InlineData(403, "urgence", true)]
    public void Flagged_are_refusals_401_and_403_and_every_break_the_glass_request(int status, string? breakGlass, bool flagged)
    {
        var audit = _factory.Create(AuditTestData.Read("p4", status) with { BreakGlassReason = breakGlass });

        var tagged = audit.Meta?.Tag.Any(t => t.System == AuditCodes.FlagSystem && t.Code == AuditCodes.FlagCode) == true;
        tagged.Should().Be(flagged);
    }

    [Theory]
    [InlineData(200, "0")]
    [InlineData(304, "0")]
    [InlineData(404, "4")]
    [InlineData(503, "8")]
    public void The_outcome_follows_the_HTTP_status(int status, string outcome) =>
        _factory.Create(AuditTestData.Read(status: status)).Outcome.GetLiteral().Should().Be(outcome);

    [Fact]
    public void Every_kind_of_event_is_valid_FHIR_that_round_trips_unchanged()
    {
        var records = new[]
        {
            AuditTestData.Read(),
            AuditTestData.Search("p1", "p2"),
            AuditTestData.Read(status: 403) with { OutcomeDescription = "scope" },
            AuditTestData.Read() with { BreakGlassReason = "emergency" },
            AuditTestData.Read(status: 500) with { Agent = new AuditAgent { Subject = "s", FhirUser = "not a reference" } },
        };
        foreach (var record in records) RoundTrip(_factory.Create(record));
    }

    [Fact]
    public void A_fhirUser_that_is_not_a_reference_is_kept_as_the_alternative_id()
    {
        var audit = _factory.Create(AuditTestData.Read() with { Agent = new AuditAgent { Subject = "s1", FhirUser = "urn:oid:1.2.3" } });
        var user = audit.Agent!.Single(a => a.Requestor == true);
        user.Who!.Reference.Should().BeNull();
        user.AltId.Should().Be("urn:oid:1.2.3");
    }

    private static void RoundTrip(AuditEvent audit)
    {
        var json = FhirJson.Serialize(audit);
        var parsed = FhirJson.Parse(json);
        parsed.Should().BeOfType<AuditEvent>();
        FhirJson.Serialize(parsed).Should().Be(json);
    }

    private static AuditEvent.AgentComponent AgentOfType(AuditEvent audit, string code) =>
        audit.Agent!.Single(a => a.Type?.Coding.Any(c => c.Code == code) == true);

    private static IEnumerable<AuditEvent.EntityComponent> PatientEntities(AuditEvent audit) =>
        audit.Entity!.Where(e => e.Role?.System == AuditCodes.ObjectRoleSystem && e.Role.Code == "1");
}
