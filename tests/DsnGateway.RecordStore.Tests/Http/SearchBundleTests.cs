using DsnGateway.Fhir.Model;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using static DsnGateway.RecordStore.Tests.Http.SearchTestData;

namespace DsnGateway.RecordStore.Tests.Http;

/// <summary>Includes, totals, summaries, errors and deleted resources.</summary>
public class SearchBundleTests : IClassFixture<RecordStoreFixture>
{
    private readonly RecordStoreFixture _store;

    public SearchBundleTests(RecordStoreFixture store) => _store = store;

    [Fact]
    public async Task Include_adds_the_patients_as_include_entries_not_counted()
    {
        var din = Unique()[..8];
        var a = await _store.CreateAsync(Patient());
        var b = await _store.CreateAsync(Patient());
        var o1 = await _store.CreateAsync(Order(a.Id!, din: din));
        var o2 = await _store.CreateAsync(Order(a.Id!, din: din));
        var o3 = await _store.CreateAsync(Order(b.Id!, din: din));

        var bundle = await _store.SearchAsync($"MedicationRequest?code={din}&_include=MedicationRequest:patient");
        bundle.Type.Should().Be(Bundle.BundleType.Searchset);
        bundle.Total.Should().Be(3);
        bundle.MatchIds().Should().Equal(o1.Id, o2.Id, o3.Id);
        var included = bundle.Entries("include");
        included.Select(e => e.Resource!.Id).Should().BeEquivalentTo([a.Id, b.Id]);
        included.Should().AllSatisfy(e =>
        {
            e.Resource.Should().BeOfType<Patient>();
            e.FullUrl.Should().EndWith($"Patient/{e.Resource!.Id}");
        });

        var viaSubject = await _store.SearchAsync($"MedicationRequest?code={din}&_include=MedicationRequest:subject:Patient");
        viaSubject.Entries("include").Select(e => e.Resource!.Id).Should().BeEquivalentTo([a.Id, b.Id]);
    }

    [Fact]
    public async Task Revinclude_adds_the_procedures_of_the_patients()
    {
        var p = await _store.CreateAsync(Patient());
        var other = await _store.CreateAsync(Patient());
        var pr1 = await _store.CreateAsync(Procedure(p.Id!));
        var pr2 = await _store.CreateAsync(Procedure(p.Id!));
        await _store.CreateAsync(Procedure(other.Id!));

        var bundle = await _store.SearchAsync($"Patient?_id={p.Id}&_revinclude=Procedure:patient");
        bundle.Total.Should().Be(1);
        bundle.MatchIds().Should().Equal(p.Id);
        bundle.Entries("include").Select(e => e.Resource!.Id).Should().BeEquivalentTo([pr1.Id, pr2.Id]);
        bundle.Entries("include").Should().AllSatisfy(e => e.Resource.Should().BeOfType<Procedure>());
    }

    [Fact]
    public async Task Summary_count_gives_the_total_and_no_entries()
    {
        var family = "Count" + Unique();
        for (var i = 0; i < 4; i++) await _store.CreateAsync(Patient(family: family));
        var bundle = await _store.SearchAsync($"Patient?family={family}&_summary=count");
        bundle.Total.Should().Be(4);
        (bundle.Entry ?? []).Should().BeEmpty();
        bundle.LinkUrl("next").Should().BeNull();
    }

    [Fact]
    public async Task Total_none_gives_entries_without_a_total()
    {
        var family = "NoTotal" + Unique();
        for (var i = 0; i < 3; i++) await _store.CreateAsync(Patient(family: family));
        var bundle = await _store.SearchAsync($"Patient?family={family}&_total=none");
        bundle.Total.Should().BeNull();
        bundle.MatchIds().Should().HaveCount(3);
        (await _store.SearchAsync($"Patient?family={family}&_total=accurate")).Total.Should().Be(3);
    }

    [Fact]
    public async Task Unknown_parameter_is_400_with_an_OperationOutcome()
    {
        var (status, body) = await _store.GetAsync("Patient?nonsense=1");
        status.Should().Be(400);
        var outcome = body.Should().BeOfType<OperationOutcome>().Subject;
        outcome.Issue.Should().Contain(i => i.Severity == OperationOutcome.IssueSeverity.Error);
        (await _store.GetAsync("Patient?birthdate=xx1985")).Status.Should().Be(400);
        (await _store.GetAsync("Patient?_sort=family")).Status.Should().Be(400);
        (await _store.GetAsync("Patient?_cursor=garbage")).Status.Should().Be(400);
        (await _store.GetAsync("Patient?_include=MedicationRequest:status")).Status.Should().Be(400);
    }

    [Fact]
    public async Task Lenient_handling_ignores_the_unknown_parameter_and_says_so()
    {
        var family = "Lenient" + Unique();
        var p = await _store.CreateAsync(Patient(family: family));
        await _store.CreateAsync(Patient());
        var (status, body) = await _store.GetAsync($"Patient?family={family}&nonsense=1", prefer: "handling=lenient");
        status.Should().Be(200);
        var bundle = body.Should().BeOfType<Bundle>().Subject;
        bundle.MatchIds().Should().Equal(p.Id);
        bundle.Total.Should().Be(1);
        var outcome = bundle.Entries("outcome").Should().ContainSingle().Subject.Resource.Should().BeOfType<OperationOutcome>().Subject;
        outcome.Issue!.Select(i => i.Diagnostics).Should().Contain(d => d!.Contains("nonsense"));
    }

    [Fact]
    public async Task Post_search_with_a_form_body()
    {
        var family = "Form" + Unique();
        var p = await _store.CreateAsync(Patient(family: family));
        using var response = await _store.Client.PostAsync("Patient/_search", new FormUrlEncodedContent([KeyValuePair.Create("family", family)]));
        ((int)response.StatusCode).Should().Be(200);
        var bundle = DsnGateway.Fhir.Serialization.FhirJson.Parse<Bundle>(await response.Content.ReadAsStringAsync());
        bundle.MatchIds().Should().Equal(p.Id);
    }

    [Fact]
    public async Task Deleted_resources_are_never_found_included_or_chained_through()
    {
        var family = "Deleted" + Unique();
        var din = Unique()[..8];
        var mrn = Unique();
        var gone = await _store.CreateAsync(Patient(family: family, identifiers: [new Identifier { System = Mrn, Value = mrn }]));
        var kept = await _store.CreateAsync(Patient(family: family));
        var orderOfGone = await _store.CreateAsync(Order(gone.Id!, din: din));
        var deletedOrder = await _store.CreateAsync(Order(kept.Id!, din: din));
        var keptOrder = await _store.CreateAsync(Order(kept.Id!, din: din));
        var deletedProcedure = await _store.CreateAsync(Procedure(kept.Id!));
        await _store.DeleteAsync(deletedOrder);
        await _store.DeleteAsync(deletedProcedure);
        // A patient still referred to may be refused deletion; delete its order first.
        await _store.DeleteAsync(orderOfGone);
        await _store.DeleteAsync(gone);

        (await _store.FindAsync($"Patient?family={family}")).Should().Equal(kept.Id);
        (await _store.FindAsync($"Patient?_id={gone.Id}")).Should().BeEmpty();
        (await _store.FindAsync($"Patient?identifier={E(Mrn)}|{mrn}")).Should().BeEmpty();
        (await _store.SearchAsync($"Patient?family={family}&_summary=count")).Total.Should().Be(1);
        (await _store.FindAsync($"MedicationRequest?code={din}")).Should().Equal(keptOrder.Id);
        (await _store.FindAsync($"MedicationRequest?patient.identifier={E(Mrn)}|{mrn}")).Should().BeEmpty();
        var withRev = await _store.SearchAsync($"Patient?_id={kept.Id}&_revinclude=Procedure:patient&_revinclude=MedicationRequest:patient");
        withRev.Entries("include").Select(e => e.Resource!.Id).Should().Equal(keptOrder.Id);
    }
}
