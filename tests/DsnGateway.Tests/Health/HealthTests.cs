using System.Net;

namespace DsnGateway.Tests.Health;

public class HealthTests : IClassFixture<GatewayFixture>
{
    private readonly GatewayFixture _gateway;

    public HealthTests(GatewayFixture gateway) => _gateway = gateway;

    [Fact]
    public async Task Healthz_answers_alive_without_a_token()
    {
        using var response = await _gateway.Client.GetAsync("healthz");
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).Should().Be("""{"status":"alive"}""");
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
    }

    [Fact]
    public async Task Readyz_reports_the_embedded_store_and_its_database()
    {
        using var response = await _gateway.Client.GetAsync("readyz");
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var body = await response.Content.ReadAsStringAsync();
        body.Should().Be("""{"status":"ready","checks":{"recordStore":"ok","database":"ok"}}""");
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
    }
}
