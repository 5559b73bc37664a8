using System.Text.Json;
using DsnGateway.RecordStore.Search;

namespace DsnGateway.RecordStore.Tests.Search;

/// <summary>Our registry against the official R4 SearchParameter definitions in ../shared/fhir-r4/search-parameters.</summary>
public class SearchParameterDefinitionsTests
{
    private static readonly string[] ResourceLevel = ["_id", "_lastUpdated", "_security", "_tag"];

    /// <summary>
    /// Parameters of types whose official definitions shared/ does not hold (it keeps those of Patient,
    /// MedicationRequest and Procedure, and the shared ones such as clinical-code). The test fails if one
    /// of these turns up there, so it is then checked like the others.
    /// </summary>
    private static readonly (string Type, string Code)[] NotInShared =
    [
        ("Provenance", "target"), ("Practitioner", "identifier"), ("Practitioner", "name"), ("Organization", "identifier"),
    ];

    private sealed record Official(string File, string Url, string Code, string Type, string[] Base, string[] Target, string? Expression);

    private static readonly List<Official> Definitions = Load();

    private static List<Official> Load()
    {
        var folder = SharedData.Path("fhir-r4", "search-parameters");
        return Directory.GetFiles(folder, "SearchParameter-*.json").Select(file =>
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(file));
            var root = doc.RootElement;
            string[] Strings(string name) => root.TryGetProperty(name, out var a) ? a.EnumerateArray().Select(e => e.GetString()!).ToArray() : [];
            return new Official(Path.GetFileName(file), root.GetProperty("url").GetString()!, root.GetProperty("code").GetString()!, root.GetProperty("type").GetString()!,
                Strings("base"), Strings("target"), root.TryGetProperty("expression", out var e) ? e.GetString() : null);
        }).ToList();
    }

    public static TheoryData<string, string> RegistryParameters()
    {
        var data = new TheoryData<string, string>();
        foreach (var type in SearchParameterRegistry.Default.ResourceTypes)
            foreach (var p in SearchParameterRegistry.Default.For(type))
                data.Add(type, p.Name);
        return data;
    }

    private static string TypeCode(SearchParamType type) => type switch
    {
        SearchParamType.Token => "token",
        SearchParamType.String => "string",
        SearchParamType.Date => "date",
        SearchParamType.Reference => "reference",
        _ => type.ToString().ToLowerInvariant(),
    };

    [Fact]
    public void The_official_definitions_are_there() => Definitions.Should().HaveCountGreaterThan(50);

    [Theory]
    [MemberData(nameof(RegistryParameters))]
    public void Registry_parameter_matches_its_official_definition(string resourceType, string name)
    {
        var ours = SearchParameterRegistry.Default.Find(resourceType, name)!;
        var candidates = ResourceLevel.Contains(name)
            ? Definitions.Where(d => d.File.StartsWith("SearchParameter-Resource-", StringComparison.Ordinal) && d.Code == name && d.Base.Contains("Resource")).ToList()
            : Definitions.Where(d => d.Code == name && d.Base.Contains(resourceType)).ToList();

        if (ours.UnionOf is not null)
        {
            candidates.Should().BeEmpty($"{resourceType}.{name} is ours (docs/arch/0011), not an R4 parameter");
            ours.IsProjectOwn.Should().BeTrue("a parameter of the project's own names no R4 definition");
            return;
        }
        ours.IsProjectOwn.Should().BeFalse($"{resourceType}.{name} is an R4 parameter and names its definition");
        if (NotInShared.Contains((resourceType, name)))
        {
            candidates.Should().BeEmpty($"{resourceType}.{name} is listed as absent from shared/; if it is there now, remove it from that list");
            ours.DefinitionUrl.Should().Be($"http://hl7.org/fhir/SearchParameter/{resourceType}-{name}");
            return;
        }

        candidates.Should().ContainSingle($"exactly one official definition of '{name}' should have {resourceType} (or Resource) in its base");
        var official = candidates[0];
        official.Code.Should().Be(ours.Name);
        ours.DefinitionUrl.Should().Be(official.Url, $"{resourceType}.{name} names its official definition ({official.File})");
        official.Type.Should().Be(TypeCode(ours.Type), $"the type of {resourceType}.{name} ({official.File})");
        if (ours.Type == SearchParamType.Reference)
            official.Target.Should().Contain(ours.Targets, $"every target of {resourceType}.{name} is allowed by {official.File}");
        official.Expression.Should().NotBeNull();
        if (!ResourceLevel.Contains(name))
            official.Expression!.Split(" | ").Should().Contain(ours.Expression.Split(" | "), $"the expression of {resourceType}.{name} is the official one for {resourceType} ({official.File})");
        else
            ours.Expression.Should().Be(official.Expression);
    }

    [Fact]
    public void Patient_offers_active_as_R4_defines_it()
    {
        var active = SearchParameterRegistry.Default.Find("Patient", "active")!;
        active.Type.Should().Be(SearchParamType.Token);
        active.Expression.Should().Be("Patient.active");
        active.DefinitionUrl.Should().Be("http://hl7.org/fhir/SearchParameter/Patient-active");
    }

    [Fact]
    public void A_shared_definition_is_narrowed_to_the_branches_of_its_type()
    {
        SearchParameterRegistry.Default.Find("Procedure", "code")!.Expression.Should().Be("Procedure.code");
        SearchParameterRegistry.Default.Find("MedicationRequest", "code")!.Expression.Should().Be("(MedicationRequest.medication as CodeableConcept)");
        SearchParameterRegistry.Default.Find("Procedure", "code")!.DefinitionUrl.Should().Be("http://hl7.org/fhir/SearchParameter/clinical-code");
    }

    [Fact]
    public void A_code_R4_does_not_define_is_refused()
    {
        var act = () => OfficialSearchParameters.Find("Patient", "no-such-parameter");
        act.Should().Throw<InvalidOperationException>();
    }
}
