using System.Net;
using System.Net.Http.Headers;
using System.Text;
using DsnGateway.Fhir.Serialization;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;

namespace DsnGateway.Tests.Ingestion;

/// <summary><c>POST /ingest/hl7v2</c>: the same intake as MLLP, behind the gateway's authentication.</summary>
public class HttpIngestionTests : IClassFixture<GatewayFixture>
{
    private readonly GatewayFixture _gateway;

    public HttpIngestionTests(GatewayFixture gateway) => _gateway = gateway;

    private static string Id() => Guid.NewGuid().ToString("N")[..12].ToUpperInvariant();

    private static HttpContent Body(string message, string contentType = "x-application/hl7-v2+er7")
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(message));
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        return content;
    }

    private HttpClient SystemSender(string establishment = "NIM", string scope = "system/*.cu") =>
        _gateway.ClientWith(_gateway.Token(role: "system", scope: scope, establishment: establishment, subject: "adt-nim", fhirUser: null));

    [Fact]
    public async Task A_system_sender_posts_a_message_and_gets_its_ack()
    {
        var mrn = "NIM" + Id();
        var control = Id();
        using var client = SystemSender();

        using var response = await client.PostAsync("ingest/hl7v2", Body(AdtMessages.A01("ADT_NIM", "NIM", control, $"{mrn}^^^NIM^MR", "Côté^Hélène", "19650303", "F"), "application/hl7-v2"));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("x-application/hl7-v2+er7");
        var ack = await response.Content.ReadAsStringAsync();
        AdtMessages.AckCode(ack).Should().Be("AA");
        AdtMessages.Field(ack, "MSA", 2).Should().Be(control);
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var bundle = FhirJson.Parse<Bundle>(await _gateway.Client.GetStringAsync($"fhir/Patient?identifier=urn:dsn:mrn:nim|{mrn}"));
            if (bundle.Total == 1)
            {
                ((Patient)bundle.Entry[0].Resource!).Name[0].Family.Should().Be("Côté");
                return;
            }
            await Task.Delay(50);
        }
        throw new Xunit.Sdk.XunitException("the posted message never reached the record store");
    }

    [Fact]
    public async Task Refusals_are_acks_with_status_200()
    {
        using var client = SystemSender();

        using var response = await client.PostAsync("ingest/hl7v2", Body(AdtMessages.A01("ADT_NIM", "NIM", Id(), $"GIRM80622512^^^RAMQ^JHN~NIM{Id()}^^^NIM^MR", "Girard^Marie", "19801224", "F")));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        AdtMessages.AckCode(await response.Content.ReadAsStringAsync()).Should().Be("AE");
    }

    [Fact]
    public async Task A_token_of_another_establishment_gets_AR_204()
    {
        using var client = SystemSender(establishment: "MCQ");

        using var response = await client.PostAsync("ingest/hl7v2", Body(AdtMessages.A01("ADT_NIM", "NIM", Id(), $"NIM{Id()}^^^NIM^MR", "Autre^Site", "1980", "U")));

        var ack = await response.Content.ReadAsStringAsync();
        AdtMessages.AckCode(ack).Should().Be("AR");
        AdtMessages.Field(ack, "ERR", 3).Should().StartWith("204");
    }

    [Fact]
    public async Task Without_a_token_401_and_with_the_wrong_role_or_scope_403_as_operation_outcomes()
    {
        var message = AdtMessages.A01("ADT_NIM", "NIM", Id(), $"NIM{Id()}^^^NIM^MR", "Sans^Jeton", "1980", "U");

        using var anonymous = await _gateway.Anonymous.PostAsync("ingest/hl7v2", Body(message));
        anonymous.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        FhirJson.Parse(await anonymous.Content.ReadAsStringAsync()).Should().BeOfType<OperationOutcome>();

        using var clinician = await _gateway.Client.PostAsync("ingest/hl7v2", Body(message));
        clinician.StatusCode.Should().Be(HttpStatusCode.Forbidden);

        using var readOnly = SystemSender(scope: "system/*.rs");
        using var noCreate = await readOnly.PostAsync("ingest/hl7v2", Body(message));
        noCreate.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await noCreate.Content.ReadAsStringAsync()).Should().Contain("system/*.c");
    }

    [Fact]
    public async Task Another_content_type_is_415()
    {
        using var client = SystemSender();
        using var response = await client.PostAsync("ingest/hl7v2", Body("{}", "application/json"));
        response.StatusCode.Should().Be(HttpStatusCode.UnsupportedMediaType);
    }
}
