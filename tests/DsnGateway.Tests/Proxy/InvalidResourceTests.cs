using System.Net;
using System.Text;
using DsnGateway.Fhir.Serialization;
using Hl7.Fhir.Model;
using static DsnGateway.Tests.Authorization.AccessKit;
using Task = System.Threading.Tasks.Task;

namespace DsnGateway.Tests.Proxy;

/// <summary>
/// A client's Patient that Firely's strict parser refuses, written through the gateway: 400 with an OperationOutcome
/// naming each problem at its element path (Firely's form, in <c>expression</c>), and nothing is stored or changed.
/// </summary>
public class InvalidResourceTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    /// <summary>A case: the Patient's elements after its identifier, and where Firely says the problem is.</summary>
    public static TheoryData<string, string, string> Cases() => new()
    {
        { "unknown element", "\"name\":[{\"family\":\"Invalide\",\"nickname\":\"Ti-Jean\"}]", "Patient.name[0].nickname" },
        { "empty string", "\"name\":[{\"family\":\"\"}]", "Patient.name[0].family" },
        // Firely reads both spellings as the one element deceased[x], met twice: the problem is the Patient's.
        { "two variants of one choice", "\"name\":[{\"family\":\"Invalide\"}],\"deceasedBoolean\":true,\"deceasedDateTime\":\"2020-01-02\"", "Patient" },
    };

    private static string PatientJson(string? id, string mrn, string elements) =>
        "{\"resourceType\":\"Patient\"" + (id is null ? "" : $",\"id\":\"{id}\"")
        + $",\"identifier\":[{{\"system\":\"{NimMrn}\",\"value\":\"{mrn}\"}}]," + elements + "}";

    private static StringContent FhirContent(string json) => new(json, Encoding.UTF8, "application/fhir+json");

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_posted_invalid_patient_is_400_naming_the_element_and_nothing_is_stored(string because, string elements, string path)
    {
        var mrn = Unique("INV");
        var json = PatientJson(null, mrn, elements);

        using var response = await fixture.Client.PostAsync("fhir/Patient", FhirContent(json));

        await ExpectInvalidAsync(response, json, path, because);
        (await SearchAsync(fixture.Client, $"fhir/Patient?identifier={NimMrn}|{mrn}")).Entry.Should().BeEmpty(because);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_put_invalid_patient_is_400_naming_the_element_and_the_stored_one_is_unchanged(string because, string elements, string path)
    {
        var created = await CreateAsync(fixture.Client, NewPatient(NimMrn, out var mrn));
        var json = PatientJson(created.Id, mrn, elements);

        using var response = await fixture.Client.PutAsync($"fhir/Patient/{created.Id}", FhirContent(json));

        await ExpectInvalidAsync(response, json, path, because);
        using var read = await fixture.Client.GetAsync($"fhir/Patient/{created.Id}");
        read.StatusCode.Should().Be(HttpStatusCode.OK);
        read.Headers.ETag!.Tag.Should().Be("\"1\"", "no new version was written ({0})", because);
        var stored = FhirJson.Parse<Patient>(await read.Content.ReadAsStringAsync());
        FhirJson.Serialize(stored).Should().Be(FhirJson.Serialize(created), because);
    }

    /// <summary>
    /// 400, an OperationOutcome with one <c>invalid</c> error per problem, each at the path Firely gives for the same
    /// body, the first where the case says.
    /// </summary>
    private static async Task ExpectInvalidAsync(HttpResponseMessage response, string json, string path, string because)
    {
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.BadRequest, "{0}: {1}", because, body);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/fhir+json");
        var outcome = FhirJson.Parse<OperationOutcome>(body);

        var firely = FluentActions.Invoking(() => FhirJson.Parse(json)).Should().Throw<FhirParseException>().Which;
        outcome.Issue.Should().NotBeEmpty().And.OnlyContain(i => i.Severity == OperationOutcome.IssueSeverity.Error && i.Code == OperationOutcome.IssueType.Invalid, because);
        outcome.Issue.SelectMany(i => i.Expression).Should().Equal(firely.Issues.Select(i => i.ElementPath), because);
        outcome.Issue[0].Expression.Should().Equal([path], because);
    }
}
