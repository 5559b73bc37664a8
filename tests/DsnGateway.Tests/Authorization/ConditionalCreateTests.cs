using System.Net;
using static DsnGateway.Tests.Authorization.AccessKit;

namespace DsnGateway.Tests.Authorization;

/// <summary>A conditional create answers the resource its If-None-Exist matches: that answer is a read, confined like one.</summary>
public class ConditionalCreateTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private static HttpRequestMessage Create(string type, string json, string ifNoneExist, string? breakGlass = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "fhir/" + type) { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/fhir+json") };
        request.Headers.TryAddWithoutValidation("If-None-Exist", ifNoneExist);
        if (breakGlass is not null) request.Headers.TryAddWithoutValidation("X-Break-Glass", breakGlass);
        return request;
    }

    private static string NimPatient(string mrn) =>
        "{\"resourceType\":\"Patient\",\"identifier\":[{\"system\":\"" + NimMrn + "\",\"value\":\"" + mrn + "\"}],\"name\":[{\"family\":\"Testeur\"}]}";

    [Fact]
    public async Task If_none_exist_matching_a_patient_outside_the_relationship_is_refused_and_discloses_nothing()
    {
        using var client = fixture.Clinician("NIM", "user/Patient.c");
        using var response = await client.SendAsync(Create("Patient", NimPatient(Unique("N")), $"identifier={McqMrn}|MCQ000201"));
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.Forbidden, body);
        body.Should().NotContainAny("Gagnon", "GAGM72110321", Gagnon);
    }

    [Fact]
    public async Task If_none_exist_matching_an_order_outside_the_relationship_is_refused()
    {
        using var client = fixture.Clinician("NIM", "user/*.cruds");
        var order = "{\"resourceType\":\"MedicationRequest\",\"status\":\"active\",\"intent\":\"order\",\"subject\":{\"reference\":\"Patient/" + Tremblay + "\"},\"medicationCodeableConcept\":{\"text\":\"x\"}}";
        using var response = await client.SendAsync(Create("MedicationRequest", order, "_id=sample-mr-gagnon-1"));
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.Forbidden, body);
        body.Should().NotContain("sample-mr-gagnon-1");
    }

    [Fact]
    public async Task If_none_exist_inside_the_relationship_or_with_break_glass_answers_the_match()
    {
        using var client = fixture.Clinician("NIM", "user/*.cruds");
        using (var own = await client.SendAsync(Create("Patient", NimPatient(Unique("N")), $"identifier={NimMrn}|NIM000101")))
        {
            own.StatusCode.Should().Be(HttpStatusCode.OK);
            (await own.Content.ReadAsStringAsync()).Should().Contain(Tremblay);
        }
        using var glass = await client.SendAsync(Create("Patient", NimPatient(Unique("N")), $"identifier={McqMrn}|MCQ000201", "urgence"));
        glass.StatusCode.Should().Be(HttpStatusCode.OK);
        (await glass.Content.ReadAsStringAsync()).Should().Contain(Gagnon);

        using var fresh = await client.SendAsync(Create("Patient", NimPatient("NEW-ONE"), $"identifier={NimMrn}|{Unique("N")}"));
        fresh.StatusCode.Should().Be(HttpStatusCode.Created);
    }
}
