using System.Text.Json.Nodes;
using DsnGateway.Fhir.Model;
using DsnGateway.Fhir.Serialization;

namespace DsnGateway.Fhir.Tests.Serialization;

public class OfficialExamplesTests
{
    private static readonly string ExamplesDir = SharedData.Path("fhir-r4", "examples");

    public static TheoryData<string> Examples()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(ExamplesDir, "*.json").Order(StringComparer.Ordinal))
        {
            data.Add(System.IO.Path.GetFileName(file));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void Example_round_trips_to_equal_json(string fileName)
    {
        var json = File.ReadAllText(System.IO.Path.Combine(ExamplesDir, fileName));
        // No example is skipped: every resource in the shared examples (bundled and contained ones
        // included) is of a type this model carries. Should a new example bring another type, this fails.
        TypesOutsideModel(JsonNode.Parse(json)!).Should().BeEmpty();

        var resource = FhirJson.Parse(json);
        var written = FhirJson.Serialize(resource);

        JsonSemantics.FirstDifference(JsonNode.Parse(json), JsonNode.Parse(written)).Should().BeNull();
    }

    private static IEnumerable<string> TypesOutsideModel(JsonNode node)
    {
        switch (node)
        {
            case JsonObject obj:
                if (obj["resourceType"] is JsonValue type && !ModelInfo.ResourceTypes.ContainsKey(type.GetValue<string>()))
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
