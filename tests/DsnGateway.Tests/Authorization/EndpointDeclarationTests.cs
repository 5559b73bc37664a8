using System.Net;
using DsnGateway.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using Task = System.Threading.Tasks.Task;
using static DsnGateway.Tests.Authorization.AccessKit;

namespace DsnGateway.Tests.Authorization;

/// <summary>Every endpoint says who may call it; one that does not is refused and audited.</summary>
public class EndpointDeclarationTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    [Fact]
    public void Every_endpoint_of_the_gateway_with_the_embedded_store_declares_its_access()
    {
        var declared = Declarations(fixture.Services);
        declared.Should().Contain(("/fhir/{**rest}", AccessPolicies.FhirRecords));
        declared.Should().Contain(("/fhir/metadata", AccessPolicies.Anonymous));
        declared.Should().Contain(("/healthz", AccessPolicies.Anonymous));
        declared.Should().Contain(("/admin/deadletters", AccessPolicies.Administration));
        declared.Should().Contain(("/ingest/hl7v2", AccessPolicies.Ingestion));
    }

    [Fact]
    public async Task Every_endpoint_of_the_gateway_with_a_remote_store_declares_its_access()
    {
        // Nothing listens there: the endpoints are made from the configuration, the store is never called.
        await using var gateway = await OwnGateway.StartAsync(new Dictionary<string, string?>
        {
            ["RecordStore:Mode"] = "Remote",
            ["RecordStore:RemoteUrl"] = "http://127.0.0.1:9/r4",
        });
        var declared = Declarations(gateway.Services);
        declared.Should().Contain(("/fhir/{**rest}", AccessPolicies.FhirRecords), "YARP's route declares too");
    }

    [Fact]
    public void An_endpoint_that_declares_nothing_or_something_unknown_is_not_admitted()
    {
        AccessPolicies.Of(Endpoint()).Should().BeNull();
        AccessPolicies.Of(null).Should().BeNull();
        AccessPolicies.Of(Endpoint(new Microsoft.AspNetCore.Authorization.AuthorizeAttribute("somebody"))).Should().BeNull();
        AccessPolicies.Of(Endpoint(new Microsoft.AspNetCore.Authorization.AuthorizeAttribute())).Should().BeNull("the default policy is no declaration");
        AccessPolicies.Of(Endpoint(new Microsoft.AspNetCore.Authorization.AuthorizeAttribute(AccessPolicies.Administration),
            new Microsoft.AspNetCore.Authorization.AllowAnonymousAttribute())).Should().BeNull("anonymous and a policy at once is unclear");
        AccessPolicies.Of(Endpoint(new Microsoft.AspNetCore.Authorization.AuthorizeAttribute(AccessPolicies.Administration))).Should().Be(AccessPolicies.Administration);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_route_outside_the_declared_ones_is_refused_404_and_audited(bool withToken)
    {
        var since = DateTimeOffset.UtcNow.AddSeconds(-1);
        var path = "privacy/" + Unique("p");
        using var client = withToken ? fixture.Admin() : new HttpClient { BaseAddress = fixture.BaseUri };
        using var response = await client.GetAsync(path);
        (await ExpectOutcomeAsync(response, HttpStatusCode.NotFound)).Issue.Should().ContainSingle().Which.Code.Should().Be(Hl7.Fhir.Model.OperationOutcome.IssueType.NotFound);

        using var officer = fixture.PrivacyOfficer();
        var events = await SearchAllAsync(officer, $"fhir/AuditEvent?_count=100&date=ge{Uri.EscapeDataString(since.ToString("yyyy-MM-ddTHH:mm:ssZ"))}");
        events.OfType<Hl7.Fhir.Model.AuditEvent>().Should().Contain(a => a.Entity.Any(e => e.Description == "GET /" + path)
            && a.OutcomeDesc != null && a.OutcomeDesc.Contains("404"));
    }

    [Fact]
    public async Task What_is_public_today_stays_public_and_the_rest_still_asks_for_a_token()
    {
        (await fixture.Anonymous.GetAsync("healthz")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await fixture.Anonymous.GetAsync("fhir/.well-known/smart-configuration")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await fixture.Anonymous.GetAsync("fhir/metadata")).StatusCode.Should().Be(HttpStatusCode.OK);
        foreach (var (method, url) in new[] { ("POST", "fhir/metadata"), ("GET", "fhir/Patient"), ("GET", "fhir/AuditEvent"), ("GET", "admin/deadletters"), ("POST", "ingest/hl7v2") })
        {
            using var response = await fixture.Anonymous.SendAsync(new HttpRequestMessage(new HttpMethod(method), url));
            await ExpectOutcomeAsync(response, HttpStatusCode.Unauthorized);
            response.Headers.WwwAuthenticate.Should().NotBeEmpty();
        }
    }

    /// <summary>Each route endpoint's pattern and declaration; fails naming every endpoint that declares nothing.</summary>
    private static List<(string Pattern, string Access)> Declarations(IServiceProvider services)
    {
        var endpoints = services.GetRequiredService<EndpointDataSource>().Endpoints;
        endpoints.Should().NotBeEmpty();
        endpoints.Where(e => AccessPolicies.Of(e) is null).Select(e => e.DisplayName).Should().BeEmpty("every endpoint declares RequireAuthorization or AllowAnonymous");
        return endpoints.OfType<RouteEndpoint>().Select(e => ("/" + e.RoutePattern.RawText!.TrimStart('/'), AccessPolicies.Of(e)!)).ToList();
    }

    private static RouteEndpoint Endpoint(params object[] metadata) =>
        new(_ => Task.CompletedTask, RoutePatternFactory.Parse("/privacy"), 0, new EndpointMetadataCollection(metadata), "test");
}
