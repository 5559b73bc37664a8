using System.Net.Http.Headers;
using System.Text;
using DsnGateway.Fhir.Model;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using DsnGateway.Fhir.Serialization;
using Hl7.Fhir.Utility;

namespace DsnGateway.RecordStore.Tests.Http;

/// <summary>Test data and request helpers shared by the interaction tests: every value unique per call.</summary>
internal static class Fhir
{
    public const string MrnSystem = "urn:dsn:mrn:nim";

    /// <summary>A fresh identifier value no other test uses.</summary>
    public static string UniqueValue() => Guid.NewGuid().ToString("N");

    public static Patient Patient(string identifierValue, string family = "Tremblay", string? id = null) => new()
    {
        Id = id,
        Identifier = [new Identifier { System = MrnSystem, Value = identifierValue }],
        Name = [new HumanName { Family = family, Given = ["Marie"] }],
        BirthDate = "1985-06-15",
        Gender = AdministrativeGender.Female,
    };

    public static MedicationRequest MedicationRequest(string subjectReference,
        MedicationRequest.MedicationrequestStatus? status = global::Hl7.Fhir.Model.MedicationRequest.MedicationrequestStatus.Active) => new()
    {
        Status = status,
        Intent = global::Hl7.Fhir.Model.MedicationRequest.MedicationRequestIntent.Order,
        Medication = new CodeableConcept
        {
            Coding = [new Coding { System = "http://hl7.org/fhir/NamingSystem/ca-hc-din", Code = "02242903" }],
        },
        Subject = new ResourceReference { Reference = subjectReference },
    };

    public static Procedure Procedure(string subjectReference) => new()
    {
        Status = EventStatus.Completed,
        Code = new CodeableConcept { Coding = [new Coding { System = "https://fhir.infoway-inforoute.ca/CodeSystem/cci", Code = "1.VA.53.LA-PN" }] },
        Subject = new ResourceReference { Reference = subjectReference },
    };

    /// <summary><c>system|value</c> escaped for a query string or an If-None-Exist header.</summary>
    public static string IdentifierQuery(string value) => "identifier=" + Uri.EscapeDataString($"{MrnSystem}|{value}");

    public static HttpRequestMessage Request(HttpMethod method, string url, Resource? body = null, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(method, url);
        if (body is not null) request.Content = RecordStoreFixture.Json(body);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value).Should().BeTrue($"header {name} must be accepted by HttpClient");
        }
        return request;
    }

    public static HttpRequestMessage RawRequest(HttpMethod method, string url, string body, string contentType = "application/fhir+json")
    {
        var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return new HttpRequestMessage(method, url) { Content = content };
    }

    /// <summary>Asserts the answer is an OperationOutcome whose first error issue's diagnostics contain every given fragment.</summary>
    public static OperationOutcome.IssueComponent ShouldBeOutcome(this Resource? body, params string[] diagnosticsFragments)
    {
        body.Should().BeOfType<OperationOutcome>("every failure is answered with an OperationOutcome");
        var outcome = (OperationOutcome)body!;
        outcome.Issue.Should().NotBeNullOrEmpty();
        var issue = outcome.Issue![0];
        issue.Severity.Should().Be(OperationOutcome.IssueSeverity.Error);
        issue.Code.Should().NotBeNull();
        issue.Diagnostics.Should().NotBeNullOrWhiteSpace();
        foreach (var fragment in diagnosticsFragments)
        {
            issue.Diagnostics.Should().Contain(fragment);
        }
        return issue;
    }

    public static async Task<Bundle> SearchByIdentifierAsync(this RecordStoreFixture store, string value) =>
        await store.SearchAsync("Patient?" + IdentifierQuery(value));

    public static async Task<Bundle> TransactionAsync(this RecordStoreFixture store, Bundle bundle, int expectedStatus = 200)
    {
        var (status, body, response) = await store.SendAsync(Request(HttpMethod.Post, "", bundle));
        response.Dispose();
        status.Should().Be(expectedStatus, FhirJson.Serialize(body ?? new OperationOutcome()));
        return (Bundle)body!;
    }

    public static Bundle.EntryComponent Entry(Resource resource, string method, string url, string? fullUrl = null, string? ifNoneExist = null, string? ifMatch = null) => new()
    {
        FullUrl = fullUrl,
        Resource = resource,
        Request = new Bundle.RequestComponent { Method = EnumUtility.ParseLiteral<Bundle.HTTPVerb>(method), Url = url, IfNoneExist = ifNoneExist, IfMatch = ifMatch },
    };

    public static string NewUrn() => "urn:uuid:" + Guid.NewGuid().ToString("D");

    /// <summary>The status code at the start of a Bundle response status line ("201 Created" → 201).</summary>
    public static int StatusCode(this Bundle.EntryComponent entry) =>
        int.Parse(entry.Response!.Status!.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
}
