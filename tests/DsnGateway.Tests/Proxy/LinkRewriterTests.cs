using System.Text;
using System.Text.Json.Nodes;
using DsnGateway.Proxy;

namespace DsnGateway.Tests.Proxy;

/// <summary>
/// Taking the gateway's added parameters out of a store's links, whatever escaping the store chose (ours escapes
/// everything; another R4 server may leave ':' and '|' as they are, or write a space as '+').
/// </summary>
public class LinkRewriterTests
{
    private static readonly KeyValuePair<string, string>[] Added =
    [
        KeyValuePair.Create("patient.identifier", "urn:dsn:mrn:nim|"),
        KeyValuePair.Create("patient._security:not", "http://terminology.hl7.org/CodeSystem/v3-Confidentiality|R"),
    ];

    [Theory]
    [InlineData(
        "https://gw/fhir/MedicationRequest?status=active&patient.identifier=urn%3Adsn%3Amrn%3Anim%7C&patient._security%3Anot=http%3A%2F%2Fterminology.hl7.org%2FCodeSystem%2Fv3-Confidentiality%7CR&_cursor=bjowOjQ",
        "https://gw/fhir/MedicationRequest?status=active&_cursor=bjowOjQ")]
    [InlineData(
        "https://gw/fhir/MedicationRequest?patient.identifier=urn:dsn:mrn:nim|&patient._security:not=http://terminology.hl7.org/CodeSystem/v3-Confidentiality|R",
        "https://gw/fhir/MedicationRequest")]
    [InlineData( // the caller asked for the same MRN system themselves: one stays, theirs
        "https://gw/fhir/MedicationRequest?patient.identifier=urn:dsn:mrn:nim|&_count=2&patient.identifier=urn:dsn:mrn:nim|&patient._security:not=http://terminology.hl7.org/CodeSystem/v3-Confidentiality|R",
        "https://gw/fhir/MedicationRequest?patient.identifier=urn:dsn:mrn:nim|&_count=2")]
    [InlineData("https://gw/fhir/MedicationRequest?code=a+b&_count=5", "https://gw/fhir/MedicationRequest?code=a+b&_count=5")]
    [InlineData("https://gw/fhir/MedicationRequest", "https://gw/fhir/MedicationRequest")]
    public void Added_parameters_leave_a_link_and_the_callers_stay_in_order(string link, string expected) =>
        LinkRewriter.WithoutAdded(link, Added).Should().Be(expected);

    [Fact]
    public void Only_the_search_bundles_own_links_change_and_store_urls_still_become_the_public_base()
    {
        var rewriter = new LinkRewriter(new Uri("http://store.internal/r4"));
        var body = """
            {"resourceType":"Bundle","type":"searchset",
             "link":[{"relation":"self","url":"http://store.internal/r4/MedicationRequest?status=active&patient.identifier=urn%3Adsn%3Amrn%3Anim%7C"}],
             "entry":[{"fullUrl":"http://store.internal/r4/MedicationRequest/1",
                       "resource":{"resourceType":"MedicationRequest","id":"1","note":[{"text":"?patient.identifier=urn%3Adsn%3Amrn%3Anim%7C"}]}}]}
            """;

        var rewritten = JsonNode.Parse(Encoding.UTF8.GetString(rewriter.RewriteJson(Encoding.UTF8.GetBytes(body), "https://gw/fhir", new SearchConfinement(Added))!))!;

        rewritten["link"]![0]!["url"]!.GetValue<string>().Should().Be("https://gw/fhir/MedicationRequest?status=active");
        rewritten["entry"]![0]!["fullUrl"]!.GetValue<string>().Should().Be("https://gw/fhir/MedicationRequest/1");
        rewritten["entry"]![0]!["resource"]!["note"]![0]!["text"]!.GetValue<string>().Should().Be("?patient.identifier=urn%3Adsn%3Amrn%3Anim%7C", "a record's own text is never touched");
    }
}
