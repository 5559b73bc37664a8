using DsnGateway.Fhir.Model;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;

namespace DsnGateway.RecordStore.Tests.Http;

public class EverythingTests : IClassFixture<RecordStoreFixture>
{
    private readonly RecordStoreFixture _store;

    public EverythingTests(RecordStoreFixture store) => _store = store;

    [Fact]
    public async Task Everything_returns_the_patient_with_their_orders_and_procedures_and_nobody_elses()
    {
        var patient = await _store.CreateAsync(Fhir.Patient(Fhir.UniqueValue(), "Lavoie"));
        var other = await _store.CreateAsync(Fhir.Patient(Fhir.UniqueValue(), "Autre"));
        var order1 = await _store.CreateAsync(Fhir.MedicationRequest($"Patient/{patient.Id}"));
        var order2 = await _store.CreateAsync(Fhir.MedicationRequest($"Patient/{patient.Id}", MedicationRequest.MedicationrequestStatus.Completed));
        var procedure = await _store.CreateAsync(Fhir.Procedure($"Patient/{patient.Id}"));
        var otherOrder = await _store.CreateAsync(Fhir.MedicationRequest($"Patient/{other.Id}"));
        var otherProcedure = await _store.CreateAsync(Fhir.Procedure($"Patient/{other.Id}"));

        var (status, body, _) = await _store.SendAsync(Fhir.Request(HttpMethod.Get, $"Patient/{patient.Id}/$everything"));

        status.Should().Be(200);
        var bundle = body.Should().BeOfType<Bundle>().Subject;
        bundle.Type.Should().Be(Bundle.BundleType.Searchset);
        var found = bundle.Entry!.Select(e => $"{e.Resource!.TypeName}/{e.Resource.Id}").ToList();
        found.Should().BeEquivalentTo(
        [
            $"Patient/{patient.Id}",
            $"MedicationRequest/{order1.Id}",
            $"MedicationRequest/{order2.Id}",
            $"Procedure/{procedure.Id}",
        ]);
        found.Should().NotContain([$"Patient/{other.Id}", $"MedicationRequest/{otherOrder.Id}", $"Procedure/{otherProcedure.Id}"]);
        bundle.Total.Should().Be(4);
    }

    [Fact]
    public async Task Everything_of_an_unknown_patient_is_404()
    {
        var (status, body, _) = await _store.SendAsync(Fhir.Request(HttpMethod.Get, $"Patient/{Fhir.UniqueValue()}/$everything"));

        status.Should().Be(404);
        body.ShouldBeOutcome();
    }
}
