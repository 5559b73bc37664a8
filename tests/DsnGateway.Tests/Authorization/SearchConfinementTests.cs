using System.Net;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using static DsnGateway.Tests.Authorization.AccessKit;

namespace DsnGateway.Tests.Authorization;

/// <summary>The restrictions live in the query: totals, counts, includes and pages reveal nothing outside the relationship.</summary>
public class SearchConfinementTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private const string Reason = "verification des tests";

    /// <summary>The NIM-visible patients, worked out from a break-the-glass listing of every patient.</summary>
    private async Task<(List<Patient> All, List<Patient> Visible)> PatientsAsync()
    {
        var all = (await SearchAllAsync(fixture.Client, "fhir/Patient?_count=1000", Reason)).Cast<Patient>().ToList();
        var visible = all.Where(p => p.HasMrn(NimMrn) && p.Meta?.Security.Any(s => s.Code == "R") != true).ToList();
        return (all, visible);
    }

    [Fact]
    public async Task The_count_is_the_number_of_visible_patients_not_of_all_patients()
    {
        // One more patient of each kind, so the difference cannot be a coincidence of the sample data.
        await CreateAsync(fixture.Client, NewPatient(NimMrn, out _));
        await CreateAsync(fixture.Client, NewPatient(McqMrn, out _), Reason);
        var (all, visible) = await PatientsAsync();
        visible.Count.Should().BeLessThan(all.Count);

        var count = await SearchAsync(fixture.Client, "fhir/Patient?_summary=count");
        count.Total.Should().Be(visible.Count);
        count.Entry.Should().BeNullOrEmpty();

        var total = await SearchAsync(fixture.Client, "fhir/Patient?_total=accurate&_count=1");
        total.Total.Should().Be(visible.Count);

        var withGlass = await SearchAsync(fixture.Client, "fhir/Patient?_summary=count", Reason);
        withGlass.Total.Should().Be(all.Count);
    }

    [Fact]
    public async Task Included_patients_are_only_visible_ones()
    {
        var bundle = await SearchAsync(fixture.Client, "fhir/MedicationRequest?_include=MedicationRequest:patient&_count=1000");
        var resources = bundle.Entry!.Select(e => e.Resource!).ToList();
        var included = resources.OfType<Patient>().ToList();
        included.Should().NotBeEmpty().And.OnlyContain(p => p.HasMrn(NimMrn));
        included.Select(p => p.Id).Should().NotContain(Gagnon).And.Contain(Tremblay);
        resources.OfType<MedicationRequest>().Select(o => o.Id).Should().NotContain("sample-mr-gagnon-1");
    }

    [Fact]
    public async Task Reverse_included_procedures_belong_only_to_visible_patients()
    {
        var bundle = await SearchAsync(fixture.Client, "fhir/Patient?_revinclude=Procedure:patient&_count=1000");
        var resources = bundle.Entry!.Select(e => e.Resource!).ToList();
        var patients = resources.OfType<Patient>().Select(p => "Patient/" + p.Id).ToHashSet();
        var procedures = resources.OfType<Procedure>().ToList();
        procedures.Select(p => p.Id).Should().Contain("sample-proc-cote-1").And.NotContain("sample-proc-gagnon-1");
        procedures.Should().OnlyContain(p => patients.Contains(p.Subject!.Reference!));
        patients.Should().NotContain($"Patient/{Gagnon}");
    }

    [Fact]
    public async Task Following_every_next_link_never_reaches_an_invisible_patient()
    {
        var (_, visible) = await PatientsAsync();
        var pages = 0;
        var seen = new List<Patient>();
        string? next = "fhir/Patient?_count=1";
        while (next is not null)
        {
            (++pages).Should().BeLessThan(1000);
            var bundle = await SearchAsync(fixture.Client, next);
            bundle.Entry!.Count.Should().BeLessThanOrEqualTo(1);
            seen.AddRange(bundle.Entry.Select(e => (Patient)e.Resource!));
            next = bundle.Link.FirstOrDefault(l => l.Relation == "next")?.Url;
            next?.Should().StartWith(fixture.BaseUri.ToString().TrimEnd('/') + "/fhir");
        }
        seen.Should().OnlyContain(p => p.HasMrn(NimMrn));
        seen.Select(p => p.Id).Should().OnlyHaveUniqueItems().And.NotContain(Gagnon)
            .And.BeEquivalentTo(visible.Select(p => p.Id));
    }

    [Fact]
    public async Task The_self_link_is_the_callers_query_and_following_links_never_grows_them()
    {
        var fhirBase = fixture.BaseUri.ToString().TrimEnd('/') + "/fhir";
        var (_, visible) = await PatientsAsync();
        visible.Count.Should().BeGreaterThan(2, "several pages are needed");

        var first = await SearchAsync(fixture.Client, "fhir/Patient?_count=1&_total=accurate");
        first.Link!.Single(l => l.Relation == "self").Url.Should().Be($"{fhirBase}/Patient?_count=1&_total=accurate");
        var seen = first.Entry!.Select(e => (Patient)e.Resource!).ToList();
        var next = first.Link!.Single(l => l.Relation == "next").Url!;
        for (var page = 2; next is not null; page++)
        {
            page.Should().BeLessThan(1000);
            WithoutCursor(next).Should().Be($"{fhirBase}/Patient?_count=1&_total=accurate", "page {0}'s next link carries the caller's query and a cursor, nothing else", page);
            var bundle = await SearchAsync(fixture.Client, next);
            bundle.Link!.Single(l => l.Relation == "self").Url.Should().Be(WithoutCursor(next), "the self link of a followed link is that link's query");
            bundle.Total.Should().Be(visible.Count, "every page is still confined: the gateway adds the restriction again");
            seen.AddRange(bundle.Entry!.Select(e => (Patient)e.Resource!));
            next = bundle.Link!.FirstOrDefault(l => l.Relation == "next")?.Url;
        }
        seen.Select(p => p.Id).Should().BeEquivalentTo(visible.Select(p => p.Id));
    }

    [Fact]
    public async Task A_parameter_the_caller_sent_stays_in_the_self_link_even_when_it_equals_the_restriction()
    {
        // For Patient, a NIM clinician's restriction is identifier=urn:dsn:mrn:nim|: asked for, it is the caller's own.
        var bundle = await SearchAsync(fixture.Client, "fhir/Patient?identifier=urn:dsn:mrn:nim|&_count=1");
        Query(bundle.Link!.Single(l => l.Relation == "self").Url!)
            .Should().Equal(("identifier", "urn:dsn:mrn:nim|"), ("_count", "1"));
        Query(bundle.Link!.Single(l => l.Relation == "next").Url!).Where(p => p.Key != "_cursor")
            .Should().Equal(("identifier", "urn:dsn:mrn:nim|"), ("_count", "1"));
    }

    [Fact]
    public async Task The_criteria_of_a_qualified_scope_or_a_patient_grant_are_not_shown_in_links_either()
    {
        var fhirBase = fixture.BaseUri.ToString().TrimEnd('/') + "/fhir";
        using var qualified = fixture.Clinician("NIM", "user/MedicationRequest.rs?status=active");
        var orders = await SearchAsync(qualified, "fhir/MedicationRequest?_count=1000");
        orders.Entry!.Select(e => (MedicationRequest)e.Resource!).Should().NotBeEmpty().And.OnlyContain(o => o.Status == MedicationRequest.MedicationrequestStatus.Active);
        orders.Link!.Single(l => l.Relation == "self").Url.Should().Be($"{fhirBase}/MedicationRequest?_count=1000");

        using var patient = fixture.ClientWith(fixture.Token("clinician", "patient/Patient.rs", "NIM", patient: Tremblay));
        var own = await SearchAsync(patient, "fhir/Patient");
        own.Entry!.Select(e => e.Resource!.Id).Should().Equal(Tremblay);
        own.Link!.Single(l => l.Relation == "self").Url.Should().Be($"{fhirBase}/Patient");
    }

    private static string WithoutCursor(string url)
    {
        var query = string.Join('&', url[(url.IndexOf('?') + 1)..].Split('&').Where(p => !p.StartsWith("_cursor=", StringComparison.Ordinal)));
        return url[..url.IndexOf('?')] + (query.Length > 0 ? "?" + query : "");
    }

    private static List<(string Key, string Value)> Query(string url) =>
        url[(url.IndexOf('?') + 1)..].Split('&').Select(p => p.Split('=', 2))
            .Select(kv => (Uri.UnescapeDataString(kv[0]), Uri.UnescapeDataString(kv[1]))).ToList();

    [Fact]
    public async Task A_next_link_carried_to_another_establishment_is_confined_again()
    {
        var first = await SearchAsync(fixture.Client, "fhir/MedicationRequest?_count=1");
        var next = first.Link!.Single(l => l.Relation == "next").Url!;
        using var mcq = fixture.Clinician("MCQ");
        var rest = await SearchAllAsync(mcq, next);
        rest.Cast<MedicationRequest>().Select(o => o.Subject!.Reference)
            .Should().NotContain($"Patient/{Tremblay}", "an MCQ clinician following a NIM link still sees only MCQ patients");
    }

    [Fact]
    public async Task Everything_is_refused_outside_the_relationship_and_opens_with_break_glass()
    {
        using (var refused = await fixture.Client.GetAsync($"fhir/Patient/{Gagnon}/$everything"))
        {
            await ExpectOutcomeAsync(refused, HttpStatusCode.Forbidden);
            (await refused.Content.ReadAsStringAsync()).Should().NotContain("Gagnon");
        }

        var opened = await SearchAsync(fixture.Client, $"fhir/Patient/{Gagnon}/$everything", "urgence");
        opened.Entry!.Select(e => e.Resource!.Id).Should().Contain(Gagnon).And.Contain("sample-mr-gagnon-1").And.Contain("sample-proc-gagnon-1");

        var own = await SearchAsync(fixture.Client, $"fhir/Patient/{Tremblay}/$everything");
        own.Entry!.Select(e => e.Resource!.Id).Should().Contain(Tremblay).And.Contain("sample-mr-tremblay-1");
    }

    [Fact]
    public async Task A_search_by_name_of_an_invisible_patient_finds_nothing()
    {
        (await SearchAllAsync(fixture.Client, "fhir/Patient?family=Gagnon")).Should().BeEmpty();
        (await SearchAsync(fixture.Client, "fhir/Patient?family=Gagnon&_summary=count")).Total.Should().Be(0);
        (await SearchAllAsync(fixture.Client, "fhir/Patient?family=Gagnon", Reason)).Select(p => p.Id).Should().Contain(Gagnon);
    }
}
