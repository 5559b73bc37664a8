using System.Net;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using DsnGateway.Fhir.Serialization;

namespace DsnGateway.Tests.Proxy;

/// <summary>Reads, searches and writes reach the embedded store through /fhir, and every URL points at the gateway.</summary>
public class ReadPathTests : IClassFixture<GatewayFixture>
{
    private readonly GatewayFixture _gateway;

    public ReadPathTests(GatewayFixture gateway) => _gateway = gateway;

    private string FhirBase => new Uri(_gateway.BaseUri, "fhir").ToString();

    [Fact]
    public async Task Sample_patient_is_read_through_the_gateway()
    {
        using var response = await _gateway.Client.GetAsync("fhir/Patient/sample-nim-tremblay");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/fhir+json");
        response.Headers.ETag!.Tag.Should().Be("\"1\"");
        var patient = FhirJson.Parse<Patient>(await response.Content.ReadAsStringAsync());
        patient.Name![0].Family.Should().Be("Tremblay");
        patient.Identifier.Should().Contain(i => i.System == "urn:dsn:mrn:nim" && i.Value == "NIM000101");
    }

    [Fact]
    public async Task Search_with_include_returns_orders_and_their_patients_with_gateway_urls()
    {
        var bundle = await _gateway.GetResourceAsync<Bundle>("fhir/MedicationRequest?status=active&_include=MedicationRequest:patient");

        var matches = bundle.Entry!.Where(e => e.Search!.Mode == Bundle.SearchEntryMode.Match).ToList();
        var included = bundle.Entry!.Where(e => e.Search!.Mode == Bundle.SearchEntryMode.Include).ToList();
        matches.Should().NotBeEmpty().And.OnlyContain(e => e.Resource is MedicationRequest);
        included.Should().NotBeEmpty().And.OnlyContain(e => e.Resource is Patient);
        bundle.Entry!.Should().OnlyContain(e => e.FullUrl!.StartsWith(FhirBase + "/"));
        bundle.Link!.Should().OnlyContain(l => l.Url!.StartsWith(FhirBase + "/"));
    }

    [Fact]
    public async Task Paging_links_point_at_the_gateway_and_can_be_followed_to_the_end()
    {
        var seen = new List<string>();
        var bundle = await _gateway.GetResourceAsync<Bundle>("fhir/MedicationRequest?_count=1");
        var total = bundle.Total;
        while (true)
        {
            seen.AddRange(bundle.Entry!.Select(e => e.Resource!.Id!));
            var next = bundle.Link!.FirstOrDefault(l => l.Relation == "next")?.Url;
            if (next is null) break;
            next.Should().StartWith(FhirBase + "/MedicationRequest?");
            bundle = await _gateway.GetResourceAsync<Bundle>(next);
        }

        seen.Should().OnlyHaveUniqueItems().And.HaveCount(total!.Value);
        var previous = bundle.Link!.Single(l => l.Relation == "previous").Url!;
        previous.Should().StartWith(FhirBase + "/");
        (await _gateway.GetResourceAsync<Bundle>(previous)).Entry.Should().ContainSingle();
    }

    [Fact]
    public async Task Create_through_the_gateway_answers_a_location_at_the_gateway()
    {
        var patient = new Patient { Name = [new HumanName { Family = "Lavoie", Given = ["Test"] }], Identifier = [new Identifier { System = "urn:dsn:mrn:nim", Value = Guid.NewGuid().ToString("N") }] };

        using var response = await _gateway.Client.PostAsync("fhir/Patient", GatewayFixture.Json(patient));

        response.StatusCode.Should().Be(HttpStatusCode.Created);
        var location = response.Headers.Location!.ToString();
        location.Should().StartWith(FhirBase + "/Patient/").And.EndWith("/_history/1");
        using var read = await _gateway.Client.GetAsync(location);
        read.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task No_response_names_the_store_address()
    {
        var urls = new[]
        {
            "fhir/Patient", "fhir/Patient/sample-both-cote/_history", "fhir/Patient/sample-both-cote/$everything",
            "fhir/metadata", "fhir/Procedure?_include=Procedure:patient", "fhir/Patient?_revinclude=Procedure:patient",
        };
        foreach (var url in urls)
        {
            using var response = await _gateway.Client.GetAsync(url);
            var body = await response.Content.ReadAsStringAsync();
            response.IsSuccessStatusCode.Should().BeTrue(url + " " + body);
            body.Should().NotContain("record-store.embedded", url);
        }
    }

    [Fact]
    public async Task Everything_through_the_gateway_holds_the_patient_orders_and_procedures()
    {
        var bundle = await _gateway.GetResourceAsync<Bundle>("fhir/Patient/sample-both-cote/$everything");

        bundle.Entry!.Select(e => e.Resource!.TypeName).Should().Contain(["Patient", "MedicationRequest", "Procedure"]);
        bundle.Entry!.Where(e => e.Resource is MedicationRequest).Should().HaveCount(2);
    }

    [Fact]
    public async Task Store_errors_come_back_as_operation_outcomes()
    {
        using var missing = await _gateway.Client.GetAsync("fhir/Patient/does-not-exist");
        missing.StatusCode.Should().Be(HttpStatusCode.NotFound);
        FhirJson.Parse(await missing.Content.ReadAsStringAsync()).Should().BeOfType<OperationOutcome>();

        using var badParam = await _gateway.Client.GetAsync("fhir/Patient?shoe-size=42");
        badParam.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        var outcome = FhirJson.Parse<OperationOutcome>(await badParam.Content.ReadAsStringAsync());
        outcome.Issue![0].Diagnostics.Should().Contain("shoe-size");
    }
}
