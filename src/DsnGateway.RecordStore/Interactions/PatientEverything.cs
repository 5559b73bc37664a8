using DsnGateway.RecordStore.Http;
using DsnGateway.RecordStore.Search;
using DsnGateway.RecordStore.Storage;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;

namespace DsnGateway.RecordStore.Interactions;

/// <summary><c>Patient/{id}/$everything</c>: the patient and every order and procedure about them.</summary>
public sealed class PatientEverything
{
    private static readonly string[] Compartment = [nameof(MedicationRequest), nameof(Procedure)];

    private readonly RecordStoreService _store;

    public PatientEverything(RecordStoreService store) => _store = store;

    public async Task<Bundle> RunAsync(string patientId, string baseUrl, CancellationToken cancellationToken)
    {
        var patient = await _store.ReadAsync(nameof(Patient), patientId, cancellationToken);
        var entries = new List<Bundle.EntryComponent> { SearchBundleBuilder.Entry(baseUrl, patient.Stored!, "match") };
        foreach (var type in Compartment)
        {
            var parameters = new[] { KeyValuePair.Create("patient", $"Patient/{patientId}"), KeyValuePair.Create("_count", SearchQueryParser.MaxCount.ToString(System.Globalization.CultureInfo.InvariantCulture)) };
            var query = _store.Parser.Parse(type, parameters, lenient: false);
            // Every page: a patient's record is returned whole, never cut at a page size.
            while (true)
            {
                var page = await _store.SearchAsync(query, cancellationToken);
                entries.AddRange(page.Matches.Select(m => SearchBundleBuilder.Entry(baseUrl, m, "match")));
                if (page.Next is null) break;
                query = query with { Options = query.Options with { Cursor = page.Next, Total = TotalMode.None } };
            }
        }
        return new Bundle
        {
            Id = Guid.NewGuid().ToString("D"),
            Meta = new Meta { LastUpdatedElement = FhirResponses.InstantElement(FhirResponses.Timestamp()) },
            Type = Bundle.BundleType.Searchset,
            Total = entries.Count,
            Link = [new Bundle.LinkComponent { Relation = "self", Url = $"{baseUrl}/Patient/{patientId}/$everything" }],
            Entry = entries,
        };
    }
}
