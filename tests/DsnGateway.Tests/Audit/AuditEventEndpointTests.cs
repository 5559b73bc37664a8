using System.Net;
using DsnGateway.Audit;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using DsnGateway.Fhir.Serialization;
using DsnGateway.Runtime;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace DsnGateway.Tests.Audit;

/// <summary>/fhir/AuditEvent over HTTP, with the services <see cref="AuditServiceCollectionExtensions.AddAuditTrail"/> registers.</summary>
public class AuditEventEndpointTests : IAsyncLifetime
{
    private readonly string _directory = AuditTestData.NewDataDirectory();
    private WebApplication _app = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        var checkpoints = new AuditCheckpointOptions();
        var paths = new GatewayPaths(_directory, _directory);
        builder.Services.AddAuditTrail(paths, AuditCheckpointKey.OpenForSigning(checkpoints.ResolvedKeyPath(paths), create: true), checkpoints);
        _app = builder.Build();
        _app.MapAuditEvents();
        await _app.StartAsync();
        _client = _app.GetTestClient();

        var trail = _app.Services.GetRequiredService<IAuditTrail>();
        for (var i = 1; i <= 3; i++) await trail.RecordAsync(AuditTestData.Read($"p{i}"), CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        var store = _app.Services.GetRequiredService<AuditStore>();
        await _app.StopAsync();
        await _app.DisposeAsync();
        AuditTestData.Delete(_directory, store);
    }

    [Fact]
    public async Task Search_answers_a_searchset_with_total_paging_links_and_full_urls()
    {
        using var response = await _client.GetAsync("/fhir/AuditEvent?_count=2");
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/fhir+json");
        var bundle = FhirJson.Parse<Bundle>(await response.Content.ReadAsStringAsync());

        bundle.Type.Should().Be(Bundle.BundleType.Searchset);
        bundle.Total.Should().Be(3);
        bundle.Entry!.Select(e => e.FullUrl).Should().Equal("http://localhost/fhir/AuditEvent/3", "http://localhost/fhir/AuditEvent/2");
        bundle.Entry!.Select(e => e.Resource).Should().AllBeOfType<AuditEvent>();
        var next = bundle.Link!.Single(l => l.Relation == "next").Url!;
        next.Should().StartWith("http://localhost/fhir/AuditEvent?_count=2&_cursor=");

        var second = FhirJson.Parse<Bundle>(await _client.GetStringAsync(next));
        second.Entry!.Select(e => e.Resource!.Id).Should().Equal("1");
        second.Link!.Should().Contain(l => l.Relation == "previous").And.NotContain(l => l.Relation == "next");
    }

    [Fact]
    public async Task Read_answers_the_stored_event_and_404_for_an_unknown_id()
    {
        var audit = FhirJson.Parse<AuditEvent>(await _client.GetStringAsync("/fhir/AuditEvent/2"));
        audit.Id.Should().Be("2");
        audit.Entity!.Should().Contain(e => e.What!.Reference == "Patient/p2");

        using var missing = await _client.GetAsync("/fhir/AuditEvent/99");
        missing.StatusCode.Should().Be(HttpStatusCode.NotFound);
        FhirJson.Parse(await missing.Content.ReadAsStringAsync()).Should().BeOfType<OperationOutcome>();
    }

    [Fact]
    public async Task An_unknown_parameter_is_a_400_OperationOutcome()
    {
        using var response = await _client.GetAsync("/fhir/AuditEvent?name=Tremblay");
        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        var outcome = FhirJson.Parse<OperationOutcome>(await response.Content.ReadAsStringAsync());
        outcome.Issue!.Single().Diagnostics.Should().Contain("name");
    }

    [Fact]
    public async Task Writing_an_AuditEvent_is_refused()
    {
        using var response = await _client.PostAsync("/fhir/AuditEvent", new StringContent("{}"));
        response.StatusCode.Should().Be(HttpStatusCode.MethodNotAllowed);
    }
}
