namespace DsnGateway.Tests.Observability;

public class RequestIdTests : IClassFixture<GatewayFixture>
{
    private readonly GatewayFixture _gateway;

    public RequestIdTests(GatewayFixture gateway) => _gateway = gateway;

    [Theory]
    [InlineData("fhir/Patient/sample-mcq-gagnon")]
    [InlineData("fhir/Patient/unknown-id")]
    [InlineData("healthz")]
    [InlineData("no-such-path")]
    public async Task Every_response_carries_a_request_id(string url)
    {
        using var response = await _gateway.Client.GetAsync(url);
        response.Headers.GetValues("X-Request-Id").Single().Should().MatchRegex("^[0-9a-f]{32}$");
    }

    [Fact]
    public async Task A_client_request_id_is_echoed()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "fhir/Patient/sample-mcq-gagnon");
        request.Headers.Add("X-Request-Id", "client-abc-123");
        using var response = await _gateway.Client.SendAsync(request);
        response.Headers.GetValues("X-Request-Id").Single().Should().Be("client-abc-123");
    }

    [Fact]
    public async Task An_unsafe_request_id_is_replaced_not_echoed()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "healthz");
        request.Headers.TryAddWithoutValidation("X-Request-Id", "bad id <script>");
        using var response = await _gateway.Client.SendAsync(request);
        response.Headers.GetValues("X-Request-Id").Single().Should().MatchRegex("^[0-9a-f]{32}$");
    }

    [Fact]
    public async Task The_request_id_is_on_the_structured_log_line_of_the_request()
    {
        var id = "log-check-" + Guid.NewGuid().ToString("N");
        using var request = new HttpRequestMessage(HttpMethod.Get, "fhir/Patient/sample-nim-tremblay");
        request.Headers.Add("X-Request-Id", id);
        using var response = await _gateway.Client.SendAsync(request);

        var line = await LogFiles.WaitForLineAsync(_gateway.DataDirectory, id);
        line.Should().Contain("\"RequestId\":\"" + id + "\"").And.Contain("\"StatusCode\":200");
    }

    [Fact]
    public async Task A_line_logged_inside_the_request_carries_its_request_id_too()
    {
        var id = "inner-check-" + Guid.NewGuid().ToString("N");
        // A scope the gateway does not understand is logged (as a count) by the access check, inside the request.
        using var client = _gateway.ClientWith(_gateway.Token(scope: "user/*.cruds not-a-smart-scope"));
        using var request = new HttpRequestMessage(HttpMethod.Get, "fhir/Patient/sample-nim-tremblay");
        request.Headers.Add("X-Request-Id", id);
        using var response = await client.SendAsync(request);

        response.StatusCode.Should().Be(System.Net.HttpStatusCode.OK);

        var line = await LogFiles.WaitForLineAsync(_gateway.DataDirectory, "not valid SMART scopes", id);
        using var logEvent = System.Text.Json.JsonDocument.Parse(line);
        logEvent.RootElement.GetProperty("Properties").GetProperty("RequestId").GetString().Should().Be(id);
        logEvent.RootElement.GetProperty("Properties").GetProperty("SourceContext").GetString().Should().Contain("FhirAccessMiddleware");
    }
}
