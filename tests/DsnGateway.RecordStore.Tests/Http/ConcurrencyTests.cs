using DsnGateway.Fhir.Model;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using DsnGateway.Fhir.Serialization;

namespace DsnGateway.RecordStore.Tests.Http;

/// <summary>
/// What the peers get wrong: conditional writes racing into duplicate records. Many identical requests fired
/// at once over real HTTP must leave exactly one resource.
/// </summary>
public class ConcurrencyTests : IClassFixture<RecordStoreFixture>
{
    private readonly RecordStoreFixture _store;

    public ConcurrencyTests(RecordStoreFixture store) => _store = store;

    /// <summary>Sends every request at once: each waits on one gate, opened when all are built.</summary>
    private async Task<(int Status, Resource? Body)[]> FireAtOnceAsync(int count, Func<HttpRequestMessage> request)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tasks = Enumerable.Range(0, count).Select(async _ =>
        {
            var message = request();
            await gate.Task;
            using var response = await _store.Client.SendAsync(message);
            var text = await response.Content.ReadAsStringAsync();
            return ((int)response.StatusCode, text.Length == 0 ? null : FhirJson.Parse(text));
        }).ToArray();
        gate.SetResult();
        return await Task.WhenAll(tasks);
    }

    [Fact]
    public async Task Fifty_concurrent_conditional_creates_make_exactly_one_patient()
    {
        var value = Fhir.UniqueValue();

        var answers = await FireAtOnceAsync(50, () =>
            Fhir.Request(HttpMethod.Post, "Patient", Fhir.Patient(value), ("If-None-Exist", Fhir.IdentifierQuery(value))));

        answers.Select(a => a.Status).Should().OnlyContain(s => s == 200 || s == 201,
            string.Join("\n", answers.Where(a => a.Status is not (200 or 201)).Select(a => $"{a.Status} {(a.Body is null ? "" : FhirJson.Serialize(a.Body))}")));
        answers.Count(a => a.Status == 201).Should().Be(1);
        answers.Count(a => a.Status == 200).Should().Be(49);
        var ids = answers.Select(a => a.Body!.Id).Distinct().ToList();
        ids.Should().ContainSingle("every answer points at the same patient");

        var found = await _store.SearchByIdentifierAsync(value);
        found.Total.Should().Be(1);
        found.Entry!.Single().Resource!.Id.Should().Be(ids[0]);
        (await _store.SearchAsync($"Patient/{ids[0]}/_history")).Total.Should().Be(1, "the 49 matches wrote nothing");
    }

    [Fact]
    public async Task Twenty_concurrent_conditional_updates_make_exactly_one_patient()
    {
        var value = Fhir.UniqueValue();

        var writer = 0;
        // Each writes a name of its own: an update identical to the current version would write no version.
        var answers = await FireAtOnceAsync(20, () =>
            Fhir.Request(HttpMethod.Put, "Patient?" + Fhir.IdentifierQuery(value), Fhir.Patient(value, $"Tremblay{Interlocked.Increment(ref writer)}")));

        answers.Select(a => a.Status).Should().OnlyContain(s => s == 200 || s == 201);
        answers.Count(a => a.Status == 201).Should().Be(1, "the first creates, every other updates it");
        var ids = answers.Select(a => a.Body!.Id).Distinct().ToList();
        ids.Should().ContainSingle();

        var found = await _store.SearchByIdentifierAsync(value);
        found.Total.Should().Be(1);
        found.Entry!.Single().Resource!.Meta!.VersionId.Should().Be("20", "each of the 20 wrote one version of the same patient");
    }

    [Fact]
    public async Task Concurrent_identical_transactions_with_a_conditional_create_make_exactly_one_patient()
    {
        var value = Fhir.UniqueValue();
        Bundle Transaction()
        {
            var patientUrn = Fhir.NewUrn();
            return new Bundle
            {
                Type = Bundle.BundleType.Transaction,
                Entry =
                [
                    Fhir.Entry(Fhir.Patient(value), "POST", "Patient", patientUrn, ifNoneExist: Fhir.IdentifierQuery(value)),
                    Fhir.Entry(Fhir.MedicationRequest(patientUrn), "POST", "MedicationRequest", Fhir.NewUrn()),
                ],
            };
        }

        var answers = await FireAtOnceAsync(10, () => Fhir.Request(HttpMethod.Post, "", Transaction()));

        answers.Select(a => a.Status).Should().OnlyContain(s => s == 200,
            string.Join("\n", answers.Where(a => a.Status != 200).Select(a => $"{a.Status} {(a.Body is null ? "" : FhirJson.Serialize(a.Body))}")));
        var patientStatuses = answers.Select(a => ((Bundle)a.Body!).Entry![0].StatusCode()).ToList();
        patientStatuses.Count(s => s == 201).Should().Be(1);
        patientStatuses.Count(s => s == 200).Should().Be(9);

        var found = await _store.SearchByIdentifierAsync(value);
        found.Total.Should().Be(1);
        var patientId = found.Entry!.Single().Resource!.Id;
        var orders = await _store.SearchAsync($"MedicationRequest?subject=Patient/{patientId}");
        orders.Total.Should().Be(10, "every transaction's order points at the one patient");
    }
}
