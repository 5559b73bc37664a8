using System.Text.Json;
using System.Text.RegularExpressions;
using DsnGateway.Fhir.Serialization;
using DsnGateway.RecordStore.Indexing;
using DsnGateway.RecordStore.Search;
using Hl7.Fhir.FhirPath;
using Hl7.Fhir.Serialization;
using Hl7.Fhir.Utility;
using FirelyModel = Hl7.Fhir.Model;
using FirelyTypes = Hl7.Fhir.ElementModel.Types;

namespace DsnGateway.RecordStore.Tests.Search;

/// <summary>
/// The compiled extractors against the official FHIRPath expressions: on every official R4 example in
/// ../shared/fhir-r4/examples of a type the store keeps (Bundle entries included), Firely's FHIRPath engine
/// evaluates each offered parameter's expression on the Firely-parsed resource, and the values it selects,
/// normalised per parameter type, must be the index values our extractor writes for the same resource.
/// </summary>
public partial class OfficialExpressionTests
{
    private static readonly SearchParameterRegistry Registry = SearchParameterRegistry.Default;

    public static TheoryData<string, int> Examples()
    {
        var data = new TheoryData<string, int>();
        foreach (var (file, index, _) in ExampleResources()) data.Add(file, index);
        return data;
    }

    /// <summary>Every example resource of a kept type: a file's own resource (index -1) or a Bundle entry's.</summary>
    private static IEnumerable<(string File, int Index, string Json)> ExampleResources()
    {
        foreach (var path in Directory.GetFiles(SharedData.Path("fhir-r4", "examples"), "*.json").Order(StringComparer.Ordinal))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var root = doc.RootElement;
            var file = Path.GetFileName(path);
            if (Registry.Supports(root.GetProperty("resourceType").GetString()!)) yield return (file, -1, root.GetRawText());
            if (root.GetProperty("resourceType").GetString() != "Bundle" || !root.TryGetProperty("entry", out var entries)) continue;
            var i = 0;
            foreach (var entry in entries.EnumerateArray())
            {
                if (entry.TryGetProperty("resource", out var resource) && Registry.Supports(resource.GetProperty("resourceType").GetString()!))
                    yield return (file, i, resource.GetRawText());
                i++;
            }
        }
    }

    [Fact]
    public void The_examples_cover_every_kept_type_with_patient_orders_and_procedures()
    {
        var types = ExampleResources().Select(e => JsonDocument.Parse(e.Json).RootElement.GetProperty("resourceType").GetString()).ToHashSet();
        types.Should().Contain(["Patient", "MedicationRequest", "Procedure"]);
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void The_official_expression_selects_what_the_compiled_extractor_indexes(string file, int index)
    {
        var json = ExampleResources().Single(e => e.File == file && e.Index == index).Json;
        var ours = FhirJson.Parse(json);
        var theirs = new FhirJsonDeserializer().Deserialize<FirelyModel.Resource>(json);
        var context = new FhirEvaluationContext { ElementResolver = Resolve };

        var differences = new List<string>();
        foreach (var parameter in Registry.For(ours.TypeName).Where(p => !p.IsRowColumn && !p.IsProjectOwn))
        {
            var compiled = parameter.Extract(ours).Select(Normalise).ToHashSet(StringComparer.Ordinal);
            var official = theirs.Select(parameter.Expression, context).OfType<FirelyModel.Base>().SelectMany(v => Normalise(parameter.Type, v))
                .ToHashSet(StringComparer.Ordinal);
            if (!compiled.SetEquals(official))
                differences.Add($"{parameter.Name} ({parameter.Expression}): compiled [{string.Join(", ", compiled.Order())}] official [{string.Join(", ", official.Order())}]");
        }
        differences.Should().BeEmpty($"{file}{(index >= 0 ? $" entry {index}" : "")} is indexed as the official expressions say");
    }

    [Fact]
    public void The_comparison_sees_values_of_every_kind()
    {
        // Guards the test above against passing on nothing: the examples must give values of each parameter type.
        var seen = new HashSet<SearchParamType>();
        foreach (var (_, _, json) in ExampleResources())
        {
            var ours = FhirJson.Parse(json);
            foreach (var parameter in Registry.For(ours.TypeName).Where(p => !p.IsRowColumn && !p.IsProjectOwn))
                if (parameter.Extract(ours).Any()) seen.Add(parameter.Type);
        }
        seen.Should().BeEquivalentTo([SearchParamType.Token, SearchParamType.String, SearchParamType.Date, SearchParamType.Reference]);
    }

    /// <summary>resolve() as a server sees it: the type a literal reference names (no content needed for "is Patient").</summary>
    private static FirelyModel.PocoNode Resolve(string url)
    {
        var m = Literal().Match(url);
        var type = m.Success ? FirelyModel.ModelInfo.GetTypeForFhirType(m.Groups["type"].Value) : null;
        if (type is null) return null!;
        var resource = (FirelyModel.Resource)Activator.CreateInstance(type)!;
        resource.Id = m.Groups["id"].Value;
        return FirelyModel.BaseExtensions.ToPocoNode(resource);
    }

    private static string Normalise(IndexEntry entry) => entry switch
    {
        TokenEntry t => $"{t.System}|{t.Code}",
        StringEntry s => $"{s.Folded}~{s.Exact}",
        DateEntry d => $"{d.Low}..{d.High}",
        ReferenceEntry r => $"{r.TargetType}/{r.TargetId}",
        _ => throw new InvalidOperationException(entry.GetType().Name),
    };

    /// <summary>What the specification's search rules index for a value of each FHIR type, per parameter type.</summary>
    private static IEnumerable<string> Normalise(SearchParamType type, FirelyModel.Base value) => (type, value) switch
    {
        (SearchParamType.Token, FirelyModel.Identifier i) => string.IsNullOrEmpty(i.Value) ? [] : [$"{i.System}|{i.Value}"],
        (SearchParamType.Token, FirelyModel.CodeableConcept c) => c.Coding.SelectMany(x => Normalise(type, x)),
        (SearchParamType.Token, FirelyModel.Coding c) => string.IsNullOrEmpty(c.Code) ? [] : [$"{c.System}|{c.Code}"],
        (SearchParamType.Token, FirelyModel.FhirBoolean b) => b.Value is { } v ? [v ? "|true" : "|false"] : [],
        // A code's system is the code system of its required binding, which Firely's enumerations carry.
        (SearchParamType.Token, FirelyModel.PrimitiveType { JsonValue: string code } p) => [$"{BoundSystem(p)}|{code}"],
        (SearchParamType.String, FirelyModel.HumanName n) =>
            Strings([n.Text, n.Family, .. n.Given, .. n.Prefix, .. n.Suffix]),
        (SearchParamType.String, FirelyModel.PrimitiveType { JsonValue: string s }) => Strings([s]),
        (SearchParamType.Date, FirelyModel.Period p) => DatePeriod(p.Start, p.End),
        (SearchParamType.Date, FirelyModel.PrimitiveType { JsonValue: string s }) => DatePeriod(s, s),
        (SearchParamType.Reference, FirelyModel.ResourceReference r) => Literal().Match(r.Reference ?? "") is { Success: true } m
            && !r.Reference!.StartsWith("urn:", StringComparison.Ordinal) ? [$"{m.Groups["type"].Value}/{m.Groups["id"].Value}"] : [],
        _ => throw new InvalidOperationException($"No search normalisation of a {value.TypeName} as {type}."),
    };

    private static string BoundSystem(FirelyModel.PrimitiveType code) =>
        code.GetType() is { IsGenericType: true } t && t.GetProperty("Value", System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.DeclaredOnly)?.GetValue(code) is Enum literal
            ? EnumUtility.GetSystem(literal) ?? "" : "";

    private static IEnumerable<string> Strings(IEnumerable<string?> values) =>
        values.Where(v => !string.IsNullOrWhiteSpace(v)).Distinct(StringComparer.Ordinal).Select(v => $"{TextFolding.Fold(v!)}~{v}");

    /// <summary>
    /// The range a date or period covers, by Firely's own date arithmetic (a time without an offset read as UTC,
    /// as the store does); an open end of a period reaches as far as time goes.
    /// </summary>
    private static IEnumerable<string> DatePeriod(string? start, string? end)
    {
        if (string.IsNullOrEmpty(start) && string.IsNullOrEmpty(end)) return [];
        var low = string.IsNullOrEmpty(start) ? long.MinValue
            : FirelyTypes.DateTime.Parse(start).GetRange(TimeSpan.Zero).Start!.Value.ToUnixTimeMilliseconds();
        var high = string.IsNullOrEmpty(end) ? long.MaxValue
            : FirelyTypes.DateTime.Parse(end).GetRange(TimeSpan.Zero).End!.Value.AddTicks(-1).ToUnixTimeMilliseconds();
        return [$"{low}..{high}"];
    }

    [GeneratedRegex(@"(^|/)(?<type>[A-Z][A-Za-z]+)/(?<id>[A-Za-z0-9\-\.]{1,64})(/_history/[A-Za-z0-9\-\.]{1,64})?$")]
    private static partial Regex Literal();
}
