using System.Net;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using static DsnGateway.Tests.Authorization.AccessKit;

namespace DsnGateway.Tests.Authorization;

/// <summary>
/// Spellings the store routes like the interaction they name (its routing ignores the case of methods and
/// literal segments) get the checks of that interaction; what the gateway does not recognise is refused, not passed on.
/// </summary>
public class RequestShapeTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    [Theory]
    [InlineData("GET", "fhir/Patient/" + Gagnon + "/_HISTORY")]
    [InlineData("GET", "fhir/Patient/" + Gagnon + "/_History/1")]
    public async Task A_case_variant_of_a_history_outside_the_relationship_is_refused(string method, string url)
    {
        using var client = fixture.Clinician("NIM", "user/*.rs");
        using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), url));
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.Forbidden, body);
        body.Should().NotContainAny("Gagnon", "GAGM72110321");
    }

    [Theory]
    [InlineData("get", "/fhir/Patient/" + Gagnon)]
    [InlineData("Get", "/fhir/MedicationRequest/sample-mr-gagnon-1")]
    [InlineData("get", "/fhir/Patient/" + Gagnon + "/_history/1")]
    [InlineData("get", "/fhir/Patient/" + Gagnon + "/$everything")]
    public async Task A_method_in_lower_case_gets_the_checks_of_its_interaction(string method, string path)
    {
        // HttpClient would upper-case a known method, so the request line is written by hand.
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(fixture.BaseUri.Host, fixture.BaseUri.Port);
        await using var stream = tcp.GetStream();
        var head = $"{method} {path} HTTP/1.1\r\nHost: {fixture.BaseUri.Authority}\r\nAuthorization: Bearer {fixture.Token("clinician", "user/*.rs", "NIM")}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(head));
        using var reader = new StreamReader(stream);
        var answer = await reader.ReadToEndAsync();
        answer.Should().StartWith("HTTP/1.1 403").And.NotContainAny("Gagnon", "GAGM72110321");
    }

    [Fact]
    public async Task A_post_search_spelled_in_capitals_is_confined_like_any_search()
    {
        using var client = fixture.Clinician("NIM", "user/*.rs");
        using var response = await client.PostAsync("fhir/Patient/_SEARCH", new FormUrlEncodedContent([KeyValuePair.Create("family", "Gagnon")]));
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, body);
        body.Should().NotContainAny("GAGM72110321", Gagnon);
        Fhir.Serialization.FhirJson.Parse<Bundle>(body).Total.Should().Be(0);
    }

    [Theory]
    [InlineData("HEAD", "fhir/Patient/" + Gagnon)]
    [InlineData("PATCH", "fhir/Patient/" + Gagnon)]
    [InlineData("GET", "fhir/Patient/" + Gagnon + "/MedicationRequest")]
    [InlineData("GET", "fhir/")]
    public async Task What_the_gateway_does_not_recognise_is_refused_before_the_store(string method, string url)
    {
        using var client = fixture.Clinician("NIM", "user/*.cruds");
        using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), url));
        response.StatusCode.Should().Be(HttpStatusCode.MethodNotAllowed);
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("DELETE")]
    public async Task The_search_segment_under_another_method_is_an_ordinary_id_not_a_crash(string method)
    {
        using var client = fixture.Clinician("NIM", "user/*.cruds");
        using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), "fhir/Patient/_search"));
        response.StatusCode.Should().Be(HttpStatusCode.NotFound, await response.Content.ReadAsStringAsync());
    }
}
