using System.Net;
using System.Text.RegularExpressions;
using DsnGateway.Tests.Authorization;
using static DsnGateway.Tests.Authorization.AccessKit;

namespace DsnGateway.Tests.Audit;

/// <summary>The logs say what happened to requests, never who the patients are.</summary>
public partial class LogPrivacyTests
{
    private static readonly string[] PatientData =
    [
        "Tremblay", "Élise", "Gagnon", "Marc", "Côté", "Jeanne",
        "TREE85561512", "GAGM72110321", "COTJ50522834",
        "1985-06-15", "1972-11-03", "1950-02-28",
        "rue Fictive",
    ];

    [Fact]
    public async Task A_session_of_reads_searches_break_glass_and_refusals_leaves_no_patient_data_in_the_logs()
    {
        await using var gateway = await OwnGateway.StartAsync();
        using (var nim = gateway.Client())
        using (var mcq = gateway.Client(establishment: "MCQ", subject: "dr.mcq"))
        using (var anonymous = new HttpClient { BaseAddress = gateway.BaseUri })
        {
            foreach (var url in new[]
            {
                "fhir/Patient?family=Tremblay", "fhir/Patient?given=Élise&birthdate=1985-06-15",
                "fhir/Patient?identifier=https://fhir.infoway-inforoute.ca/NamingSystem/ca-qc-patient-healthcare-id|TREE85561512",
                $"fhir/Patient/{Tremblay}", $"fhir/Patient/{Cote}", "fhir/MedicationRequest?_include=MedicationRequest:patient",
                $"fhir/Patient/{Tremblay}/$everything", "fhir/Patient?_revinclude=Procedure:patient",
            })
            {
                (await nim.GetAsync(url)).StatusCode.Should().Be(HttpStatusCode.OK, url);
            }
            (await mcq.GetAsync($"fhir/Patient/{Gagnon}")).StatusCode.Should().Be(HttpStatusCode.OK);
            (await mcq.GetAsync("fhir/Patient?family=Gagnon")).StatusCode.Should().Be(HttpStatusCode.OK);
            (await nim.GetAsync($"fhir/Patient/{Gagnon}")).StatusCode.Should().Be(HttpStatusCode.Forbidden);
            (await GetAsync(nim, $"fhir/Patient/{Gagnon}", "urgence pour Marc Gagnon")).StatusCode.Should().Be(HttpStatusCode.OK);
            (await GetAsync(nim, $"fhir/Patient/{Gagnon}/$everything", "urgence")).StatusCode.Should().Be(HttpStatusCode.OK);
            (await GetAsync(nim, $"fhir/Patient/{Gagnon}", "")).StatusCode.Should().Be(HttpStatusCode.Forbidden);
            (await anonymous.GetAsync("fhir/Patient?family=Côté")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
            using (var scopeless = gateway.Client(scope: "user/Patient.r"))
                (await scopeless.GetAsync("fhir/Patient?family=Gagnon&given=Marc")).StatusCode.Should().Be(HttpStatusCode.Forbidden);
            (await nim.GetAsync("fhir/Patient?name-of-pet=Jeanne")).StatusCode.Should().Be(HttpStatusCode.BadRequest);
        }
        await gateway.StopAsync(); // flushes the file sink

        var folder = Path.Combine(gateway.DataDirectory, "logs");
        var files = Directory.GetFiles(folder, "*", SearchOption.AllDirectories);
        files.Should().NotBeEmpty();
        var text = string.Concat(files.Select(File.ReadAllText));
        text.Should().Contain("/fhir/Patient", "the session was logged, so the scan is not vacuous");
        var decoded = JsonEscape().Replace(text, m => ((char)Convert.ToInt32(m.Groups[1].Value, 16)).ToString());

        foreach (var datum in PatientData)
        {
            foreach (var form in new[] { text, decoded })
            {
                var at = form.IndexOf(datum, StringComparison.Ordinal);
                at.Should().Be(-1, $"the logs must not hold \"{datum}\", found in: {(at < 0 ? "" : form.Substring(Math.Max(0, at - 200), Math.Min(400, form.Length - Math.Max(0, at - 200))))}");
            }
        }
    }

    [GeneratedRegex(@"\\u([0-9a-fA-F]{4})")]
    private static partial Regex JsonEscape();
}
