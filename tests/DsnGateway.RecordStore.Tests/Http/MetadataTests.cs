using DsnGateway.Fhir.Model;
using Hl7.Fhir.Model;
using Hl7.Fhir.Utility;
using Task = System.Threading.Tasks.Task;

namespace DsnGateway.RecordStore.Tests.Http;

public class MetadataTests : IClassFixture<RecordStoreFixture>
{
    private readonly RecordStoreFixture _store;

    public MetadataTests(RecordStoreFixture store) => _store = store;

    [Fact]
    public async Task Capability_statement_describes_R4_our_types_their_search_parameters_and_transactions()
    {
        var (status, body, response) = await _store.SendAsync(Fhir.Request(HttpMethod.Get, "metadata"));

        status.Should().Be(200);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/fhir+json");
        var capabilities = body.Should().BeOfType<CapabilityStatement>().Subject;
        L(capabilities.FhirVersion).Should().Be("4.0.1");
        L(capabilities.Kind).Should().Be("instance");
        capabilities.Format.Should().Contain("application/fhir+json");
        var rest = capabilities.Rest!.Single();
        L(rest.Mode).Should().Be("server");
        rest.Interaction!.Select(i => L(i.Code)).Should().Contain(["transaction", "batch"]);

        var expected = new Dictionary<string, string[]>
        {
            ["Patient"] = ["identifier", "name", "family", "given", "birthdate", "gender", "_id", "_lastUpdated"],
            ["MedicationRequest"] = ["identifier", "patient", "subject", "status", "intent", "authoredon", "code"],
            ["Procedure"] = ["identifier", "patient", "subject", "date", "code", "status"],
        };
        foreach (var (type, parameters) in expected)
        {
            var resource = rest.Resource!.Should().ContainSingle(r => r.Type == type).Subject;
            resource.SearchParam!.Select(p => p.Name).Should().Contain(parameters, $"{type}'s search parameters are listed");
            resource.SearchParam!.Should().OnlyContain(p => p.Type != null);
            resource.ConditionalCreate.Should().BeTrue();
            resource.ConditionalUpdate.Should().BeTrue();
            L(resource.Versioning).Should().Be("versioned-update");
            resource.Interaction!.Select(i => L(i.Code)).Should().Contain(["read", "vread", "update", "delete", "create", "search-type", "history-instance"]);
        }
        rest.Resource!.Single(r => r.Type == "Patient").SearchParam!.Single(p => p.Name == "birthdate").Type.Should().Be(SearchParamType.Date);
        rest.Resource!.Single(r => r.Type == "MedicationRequest").SearchParam!.Single(p => p.Name == "patient").Type.Should().Be(SearchParamType.Reference);
        // Exactly the registry's parameters, each official one with its R4 definition's canonical URL.
        foreach (var type in DsnGateway.RecordStore.Search.SearchParameterRegistry.Default.ResourceTypes)
        {
            var listed = rest.Resource!.Single(r => r.Type == type).SearchParam!;
            listed.Select(p => (p.Name, L(p.Type), p.Definition)).Should().BeEquivalentTo(
                DsnGateway.RecordStore.Search.SearchParameterRegistry.Default.For(type).Select(p => ((string?)p.Name, (string?)p.Type.ToString().ToLowerInvariant(), p.DefinitionUrl)));
        }
        var patientParameters = rest.Resource!.Single(r => r.Type == "Patient").SearchParam!;
        patientParameters.Single(p => p.Name == "active").Definition.Should().Be("http://hl7.org/fhir/SearchParameter/Patient-active");
        patientParameters.Single(p => p.Name == "birthdate").Definition.Should().Be("http://hl7.org/fhir/SearchParameter/individual-birthdate");
        patientParameters.Single(p => p.Name == "linked-identifier").Definition.Should().BeNull();
        patientParameters.Single(p => p.Name == "linked-identifier").Documentation.Should().Contain("project's own");
        rest.Resource!.Single(r => r.Type == "Patient").Operation!.Select(o => o.Name).Should().Contain("everything");
    }

    /// <summary>A code as it is written in the JSON.</summary>
    private static string? L(Enum? code) => code is null ? null : EnumUtility.GetLiteral(code);
}
