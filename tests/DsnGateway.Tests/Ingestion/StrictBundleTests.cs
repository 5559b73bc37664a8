using DsnGateway.Fhir.Serialization;
using DsnGateway.Ingestion;
using Hl7.Fhir.Model;

namespace DsnGateway.Tests.Ingestion;

/// <summary>
/// The check every mapped Bundle and CSV row passes before it is acknowledged: what Firely's POCOs let the mapping
/// build but the store's strict parse would refuse is caught here, with the element's path, and nothing is kept.
/// </summary>
public class StrictBundleTests
{
    private static Bundle Transaction(Patient patient) => new()
    {
        Type = Bundle.BundleType.Transaction,
        Entry =
        [
            new Bundle.EntryComponent
            {
                FullUrl = "urn:uuid:6f1c2b0e-3d4a-4b5c-8d9e-0f1a2b3c4d5e",
                Resource = patient,
                Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.POST, Url = "Patient" },
            },
        ],
    };

    private static Patient Valid() => new()
    {
        Identifier = [new Identifier("urn:dsn:mrn:nim", "NIM000123")],
        Name = [new HumanName { Family = "Strict", Given = ["Bundle"] }],
        Gender = AdministrativeGender.Female,
        BirthDate = "1980-02-29",
    };

    [Fact]
    public void A_valid_Bundle_passes_and_its_bytes_are_Firelys_serialization_parsing_back_to_the_same_Bundle()
    {
        var bundle = Transaction(Valid());

        var result = StrictBundle.Check(bundle);

        result.IsValid.Should().BeTrue();
        result.Issues.Should().BeEmpty();
        result.Utf8Json.Should().Equal(FhirJson.SerializeToUtf8Bytes(bundle), "the inbox keeps exactly the bytes that were checked");
        FhirJson.Parse<Bundle>(result.Utf8Json!).IsExactly(bundle).Should().BeTrue();
    }

    [Fact]
    public void A_malformed_date_is_refused_with_its_path_and_no_bytes_are_kept()
    {
        var patient = Valid();
        patient.BirthDate = "1980-02-30";

        var result = StrictBundle.Check(Transaction(patient));

        result.IsValid.Should().BeFalse();
        result.Utf8Json.Should().BeNull("nothing that fails the check may reach the inbox");
        result.Issues.Should().ContainSingle().Which.ElementPath.Should().Be("Bundle.entry[0].resource.birthDate");
        StrictBundle.Describe(result.Issues).Should().StartWith("the mapped FHIR Bundle is not valid at Bundle.entry[0].resource.birthDate: ")
            .And.NotContain("more");
    }

    [Fact]
    public void A_code_with_a_run_of_spaces_is_refused_as_the_store_would_refuse_it()
    {
        var patient = Valid();
        patient.Language = "fr  CA";

        var result = StrictBundle.Check(Transaction(patient));

        result.IsValid.Should().BeFalse();
        result.Issues.Should().Contain(i => i.ElementPath == "Bundle.entry[0].resource.language");
    }

    [Fact]
    public void Every_problem_is_listed_and_the_one_line_summary_counts_the_others()
    {
        var patient = Valid();
        patient.BirthDate = "19800229";
        patient.Language = "fr  CA";
        patient.Name[0].Family = "";

        var result = StrictBundle.Check(Transaction(patient));

        result.IsValid.Should().BeFalse();
        result.Issues.Select(i => i.ElementPath).Should().Contain(["Bundle.entry[0].resource.birthDate", "Bundle.entry[0].resource.language"]);
        result.Issues.Should().HaveCountGreaterThanOrEqualTo(2);
        StrictBundle.Describe(result.Issues).Should().EndWith($" (and {result.Issues.Count - 1} more)");
    }
}
