using System.Text.Json.Nodes;
using Hl7.Fhir.Model;
using DsnGateway.Fhir.Serialization;

namespace DsnGateway.Fhir.Tests.Serialization;

public class OfficialExamplesTests
{
    private static readonly string ExamplesDir = SharedData.Path("fhir-r4", "examples");

    /// <summary>
    /// Official examples that Firely's strict parse refuses, with the element it names. Each is checked to be
    /// refused there and only there, so that a change of Firely or of the examples shows up here.
    /// </summary>
    private static readonly Dictionary<string, string> RefusedExamples = new(StringComparer.Ordinal)
    {
        // url is "urn:uuid:68D043B5-..." in upper case; Firely takes a urn:uuid only in lower case, as FHIR's uuid type says.
        ["capabilitystatement-example.json"] = "CapabilityStatement.url",
    };

    public static TheoryData<string> Examples()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(ExamplesDir, "*.json").Order(StringComparer.Ordinal))
        {
            var name = System.IO.Path.GetFileName(file);
            if (!RefusedExamples.ContainsKey(name)) data.Add(name);
        }
        return data;
    }

    public static TheoryData<string, string> Refused()
    {
        var data = new TheoryData<string, string>();
        foreach (var (name, path) in RefusedExamples) data.Add(name, path);
        return data;
    }

    [Fact]
    public void Nearly_every_official_example_is_taken()
    {
        Examples().Count.Should().BeGreaterThanOrEqualTo(40);
    }

    [Theory]
    [MemberData(nameof(Refused))]
    public void Example_refused_by_the_strict_parse_is_refused_at_one_element(string fileName, string path)
    {
        var json = File.ReadAllText(System.IO.Path.Combine(ExamplesDir, fileName));

        var act = () => FhirJson.Parse(json);

        act.Should().Throw<FhirParseException>().Which.Issues.Should().ContainSingle().Which.ElementPath.Should().Be(path);
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void Example_round_trips_to_equal_json(string fileName)
    {
        var json = File.ReadAllText(System.IO.Path.Combine(ExamplesDir, fileName));
        // No example is skipped: every resource in the shared examples (bundled and contained ones
        // included) is of an R4 type Firely's model carries. Should a new example bring another type, this fails.
        TypesOutsideModel(JsonNode.Parse(json)!).Should().BeEmpty();

        // Strict: the official examples are valid R4, so Firely's default parse takes each of them whole.
        var resource = FhirJson.Parse(json);
        var written = FhirJson.Serialize(resource);

        JsonSemantics.FirstDifference(JsonNode.Parse(json), JsonNode.Parse(written)).Should().BeNull();
    }

    private static IEnumerable<string> TypesOutsideModel(JsonNode node)
    {
        switch (node)
        {
            case JsonObject obj:
                if (obj["resourceType"] is JsonValue type && !ModelInfo.IsKnownResource(type.GetValue<string>()))
                {
                    yield return type.GetValue<string>();
                }
                foreach (var (_, child) in obj)
                {
                    if (child is null) continue;
                    foreach (var t in TypesOutsideModel(child)) yield return t;
                }
                break;
            case JsonArray array:
                foreach (var child in array)
                {
                    if (child is null) continue;
                    foreach (var t in TypesOutsideModel(child)) yield return t;
                }
                break;
        }
    }
}
