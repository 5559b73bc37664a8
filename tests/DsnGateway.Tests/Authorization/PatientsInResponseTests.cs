using System.Text;
using DsnGateway.Authorization;

namespace DsnGateway.Tests.Authorization;

/// <summary>The patients an answer shows, as the audit names them.</summary>
public class PatientsInResponseTests
{
    private static IReadOnlyList<string> Find(string json) => PatientsInResponse.Find(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void A_patient_names_itself_wherever_its_id_comes() =>
        Find("""{"name":[{"family":"Tremblay"}],"id":"p1","meta":{"versionId":"1"},"resourceType":"Patient"}""").Should().Equal("Patient/p1");

    [Theory]
    [InlineData("""{"resourceType":"MedicationRequest","id":"m1","subject":{"reference":"Patient/p2","display":"x"}}""", "Patient/p2")]
    [InlineData("""{"resourceType":"Procedure","subject":{"display":"x","reference":"http://gw/fhir/Patient/p3"}}""", "Patient/p3")]
    [InlineData("""{"resourceType":"Encounter","patient":{"reference":"Patient/p4"}}""", "Patient/p4")]
    public void An_order_or_procedure_names_its_subject(string json, string patient) => Find(json).Should().Equal(patient);

    [Fact]
    public void A_bundle_names_the_patients_of_its_entries_including_nested_bundles_sorted_and_once()
    {
        var json = """
            {"resourceType":"Bundle","type":"searchset","total":3,"link":[{"relation":"self","url":"x"}],
             "entry":[
               {"fullUrl":"a","resource":{"resourceType":"MedicationRequest","subject":{"reference":"Patient/b"}},"search":{"mode":"match"}},
               {"resource":{"resourceType":"Patient","id":"a"},"search":{"mode":"include"}},
               {"resource":{"resourceType":"MedicationRequest","subject":{"reference":"Patient/b"}}},
               {"resource":{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient","id":"c"}}]}},
               {"resource":{"resourceType":"OperationOutcome","issue":[{"severity":"warning"}]}}]}
            """;
        Find(json).Should().Equal("Patient/a", "Patient/b", "Patient/c");
    }

    [Theory]
    [InlineData("""{"resourceType":"AuditEvent","entity":[{"what":{"reference":"Patient/x"}}],"patient":{"reference":"Patient/x"}}""")]
    [InlineData("""{"resourceType":"OperationOutcome","issue":[]}""")]
    [InlineData("""{"id":"no-type","subject":{"reference":"Patient/x"}}""")]
    [InlineData("""{"resourceType":"Practitioner","id":"dr"}""")]
    [InlineData("not json")]
    [InlineData("""{"resourceType":"Patient","id":"p1"} trailing""")]
    [InlineData("{\"resourceType\":\"Patient\",\"id\":\"p1\"")]
    [InlineData("")]
    public void Nothing_is_named_for_what_shows_no_patient_or_is_not_json(string json) => Find(json).Should().BeEmpty();
}
