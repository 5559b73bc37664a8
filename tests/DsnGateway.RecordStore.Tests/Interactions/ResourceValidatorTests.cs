using DsnGateway.Fhir.Outcomes;
using DsnGateway.RecordStore.Interactions;
using Hl7.Fhir.Model;

namespace DsnGateway.RecordStore.Tests.Interactions;

/// <summary>
/// The checks a resource built in code meets before it is stored (a client's JSON met them at the strict parse
/// already): Firely's POCOs hold dates and ids as plain strings and accept a missing required element.
/// </summary>
public class ResourceValidatorTests
{
    private static MedicationRequest Order() => new()
    {
        Status = MedicationRequest.MedicationrequestStatus.Active,
        Intent = MedicationRequest.MedicationRequestIntent.Order,
        Subject = new ResourceReference("Patient/1"),
        Medication = new CodeableConcept("http://hl7.org/fhir/NamingSystem/ca-hc-din", "02242903"),
    };

    public static TheoryData<string, Resource, string> Invalid() => new()
    {
        { "impossible birth date", new Patient { BirthDate = "1985-13-01" }, "Patient.birthDate" },
        { "deceased dateTime without an offset", new Patient { Deceased = new FhirDateTime { Value = "2020-01-02T10:00" } }, "Patient.deceasedDateTime" },
        { "bad id", new Patient { Id = "a b" }, "Patient.id" },
        { "order without status", WithOrder(o => o.Status = null), "MedicationRequest.status" },
        { "order without intent", WithOrder(o => o.Intent = null), "MedicationRequest.intent" },
        { "order without subject", WithOrder(o => o.Subject = null!), "MedicationRequest.subject" },
        { "order without medication", WithOrder(o => o.Medication = null!), "MedicationRequest.medication" },
        { "order with a bad authoredOn", WithOrder(o => o.AuthoredOn = "2024-02-30"), "MedicationRequest.authoredOn" },
        { "procedure with a bad performed period", new Procedure
            {
                Status = EventStatus.Completed,
                Subject = new ResourceReference("Patient/1"),
                Performed = new Period { Start = "2024-01-01", End = "2024-13-01" },
            }, "Procedure.performedPeriod.end" },
        { "provenance without recorded", new Provenance
            {
                Target = [new ResourceReference("Patient/1")],
                Agent = [new Provenance.AgentComponent { Who = new ResourceReference("Practitioner/1") }],
            }, "Provenance.recorded" },
    };

    private static MedicationRequest WithOrder(Action<MedicationRequest> change)
    {
        var order = Order();
        change(order);
        return order;
    }

    [Theory]
    [MemberData(nameof(Invalid))]
    public void A_resource_built_in_code_that_R4_refuses_is_422_at_its_path(string problem, Resource resource, string path)
    {
        var act = () => ResourceValidator.Validate(resource);

        var ex = act.Should().Throw<FhirOperationException>(problem).Which;
        ex.StatusCode.Should().Be(422);
        ex.Expression.Should().Be(path);
    }

    [Fact]
    public void A_valid_order_passes()
    {
        var act = () => ResourceValidator.Validate(Order());

        act.Should().NotThrow();
    }
}
