using DsnGateway.Fhir.Model;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;

namespace DsnGateway.RecordStore.Tests.Http;

public class BatchTests : IClassFixture<RecordStoreFixture>
{
    private readonly RecordStoreFixture _store;

    public BatchTests(RecordStoreFixture store) => _store = store;

    [Fact]
    public async Task Entries_are_independent_the_good_one_is_stored_and_the_bad_one_gets_an_outcome()
    {
        var value = Fhir.UniqueValue();
        var bundle = new Bundle
        {
            Type = Bundle.BundleType.Batch,
            Entry =
            [
                Fhir.Entry(Fhir.Patient(value), "POST", "Patient"),
                Fhir.Entry(Fhir.MedicationRequest("Patient/does-not-exist-" + value), "POST", "MedicationRequest"),
                new Bundle.EntryComponent { Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.GET, Url = $"Patient/missing-{value}" } },
            ],
        };

        var response = await _store.TransactionAsync(bundle);

        response.Type.Should().Be(Bundle.BundleType.BatchResponse);
        response.Entry.Should().HaveCount(3);
        response.Entry![0].StatusCode().Should().Be(201);
        response.Entry[0].Response!.Location.Should().Contain("Patient/");
        response.Entry[1].StatusCode().Should().Be(422);
        response.Entry[1].Response!.Outcome.ShouldBeOutcome("does-not-exist-" + value);
        response.Entry[2].StatusCode().Should().Be(404);
        response.Entry[2].Response!.Outcome.ShouldBeOutcome();

        var found = await _store.SearchByIdentifierAsync(value);
        found.Total.Should().Be(1, "the good entry is stored although another failed");
    }

    [Fact]
    public async Task A_malformed_entry_fails_alone()
    {
        var value = Fhir.UniqueValue();
        var bundle = new Bundle
        {
            Type = Bundle.BundleType.Batch,
            Entry =
            [
                new Bundle.EntryComponent { Resource = Fhir.Patient(Fhir.UniqueValue()), Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.PATCH, Url = "Patient/x" } },
                Fhir.Entry(Fhir.Patient(value), "PUT", "Patient?" + Fhir.IdentifierQuery(value)),
            ],
        };

        var response = await _store.TransactionAsync(bundle);

        response.Entry![0].StatusCode().Should().Be(400);
        response.Entry[0].Response!.Outcome.ShouldBeOutcome("PATCH");
        response.Entry[1].StatusCode().Should().Be(201);
        (await _store.SearchByIdentifierAsync(value)).Total.Should().Be(1);
    }

    [Fact]
    public async Task Batch_entries_cannot_refer_to_each_other()
    {
        var urn = Fhir.NewUrn();
        var value = Fhir.UniqueValue();
        var bundle = new Bundle
        {
            Type = Bundle.BundleType.Batch,
            Entry =
            [
                Fhir.Entry(Fhir.Patient(value), "POST", "Patient", urn),
                Fhir.Entry(Fhir.MedicationRequest(urn), "POST", "MedicationRequest"),
            ],
        };

        var response = await _store.TransactionAsync(bundle);

        response.Entry![0].StatusCode().Should().Be(201);
        response.Entry[1].StatusCode().Should().Be(400);
        response.Entry[1].Response!.Outcome.ShouldBeOutcome("transaction");
    }
}
