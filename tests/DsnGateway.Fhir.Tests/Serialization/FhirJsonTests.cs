using System.Text.Json;
using System.Text.Json.Nodes;
using DsnGateway.Fhir.Serialization;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;

namespace DsnGateway.Fhir.Tests.Serialization;

/// <summary>
/// FhirJson over Firely's converters: what it writes, what it keeps exactly, and what it accepts.
/// What it refuses (and where it says the problem is) is in <see cref="FhirJsonRefusalTests"/>.
/// </summary>
public class FhirJsonTests
{
    // ---- resourceType ----------------------------------------------------------------------

    [Fact]
    public void ResourceType_is_written_first()
    {
        var patient = new Patient { Id = "p1", Active = true, Gender = AdministrativeGender.Female };

        var json = FhirJson.Serialize(patient);

        json.Should().StartWith("{\"resourceType\":\"Patient\",");
        JsonNode.Parse(json)!.AsObject().First().Key.Should().Be("resourceType");
    }

    [Fact]
    public void ResourceType_is_written_first_in_indented_output()
    {
        var json = FhirJson.Serialize(new Patient { Id = "p1" }, indented: true);

        json.Should().Contain("\n");
        JsonNode.Parse(json)!.AsObject().First().Key.Should().Be("resourceType");
    }

    [Fact]
    public void ResourceType_is_written_first_in_contained_and_bundled_resources()
    {
        var bundle = new Bundle
        {
            Type = Bundle.BundleType.Collection,
            Entry =
            [
                new Bundle.EntryComponent
                {
                    FullUrl = "urn:uuid:1",
                    Resource = new Patient { Id = "p1", Contained = [new Organization { Id = "o1", Name = "NIM" }] },
                },
            ],
        };

        var node = JsonNode.Parse(FhirJson.Serialize(bundle))!;

        node.AsObject().First().Key.Should().Be("resourceType");
        var patient = node["entry"]![0]!["resource"]!.AsObject();
        patient.First().Key.Should().Be("resourceType");
        patient["resourceType"]!.GetValue<string>().Should().Be("Patient");
        var organization = patient["contained"]![0]!.AsObject();
        organization.First().Key.Should().Be("resourceType");
        organization["resourceType"]!.GetValue<string>().Should().Be("Organization");
    }

    [Fact]
    public async Task SerializeToUtf8Bytes_and_SerializeAsync_write_the_same_json_as_Serialize()
    {
        var patient = new Patient { Id = "p1", BirthDate = "1985" };
        var expected = FhirJson.Serialize(patient);

        System.Text.Encoding.UTF8.GetString(FhirJson.SerializeToUtf8Bytes(patient)).Should().Be(expected);

        using var stream = new MemoryStream();
        await FhirJson.SerializeAsync(stream, patient, indented: false, CancellationToken.None);
        System.Text.Encoding.UTF8.GetString(stream.ToArray()).Should().Be(expected);
    }

    [Fact]
    public void The_options_serialize_like_FhirJson_itself()
    {
        var patient = new Patient { Id = "p1", Name = [new HumanName { Family = "Tremblay" }] };

        JsonSerializer.Serialize(patient, FhirJson.Options).Should().Be(FhirJson.Serialize(patient));
        JsonSerializer.Serialize(patient, FhirJson.IndentedOptions).Should().Be(FhirJson.Serialize(patient, indented: true));
    }

    [Fact]
    public void The_span_and_the_string_overloads_parse_alike()
    {
        const string json = """{"resourceType":"Patient","id":"p1","active":true}""";

        var fromBytes = FhirJson.Parse(System.Text.Encoding.UTF8.GetBytes(json));
        var typedFromBytes = FhirJson.Parse<Patient>(System.Text.Encoding.UTF8.GetBytes(json));

        FhirJson.Serialize(fromBytes).Should().Be(json);
        FhirJson.Serialize(typedFromBytes).Should().Be(json);
    }

    [Theory]
    [InlineData("""{"resourceType":"Patient","id":"p1","active":true}""")]
    [InlineData("""{"id":"p1","resourceType":"Patient","active":true}""")]
    [InlineData("""{"id":"p1","active":true,"name":[{"family":"Tremblay"}],"resourceType":"Patient"}""")]
    public void ResourceType_is_accepted_anywhere_in_the_object(string json)
    {
        var resource = FhirJson.Parse(json);

        var patient = resource.Should().BeOfType<Patient>().Subject;
        patient.Id.Should().Be("p1");
        patient.Active.Should().BeTrue();
    }

    [Fact]
    public void ResourceType_is_accepted_last_in_a_contained_resource()
    {
        const string json = """{"resourceType":"Patient","contained":[{"id":"o1","name":"NIM","resourceType":"Organization"}]}""";

        var patient = FhirJson.Parse<Patient>(json);

        patient.Contained.Should().ContainSingle().Which.Should().BeOfType<Organization>()
            .Which.Name.Should().Be("NIM");
    }

    [Fact]
    public void Parse_of_T_returns_the_typed_resource()
    {
        var request = FhirJson.Parse<MedicationRequest>(
            """{"resourceType":"MedicationRequest","id":"m1","status":"active","intent":"order","medicationCodeableConcept":{"text":"saline"},"subject":{"reference":"Patient/p1"}}""");

        request.Id.Should().Be("m1");
        request.Status.Should().Be(MedicationRequest.MedicationrequestStatus.Active);
        request.Intent.Should().Be(MedicationRequest.MedicationRequestIntent.Order);
        request.Subject.Reference.Should().Be("Patient/p1");
    }

    [Fact]
    public void Parse_of_the_base_type_accepts_any_resource()
    {
        FhirJson.Parse<Resource>("""{"resourceType":"Procedure","id":"x","status":"completed","subject":{"reference":"Patient/p1"}}""").Should().BeOfType<Procedure>();
        FhirJson.Parse<DomainResource>("""{"resourceType":"Patient","id":"x"}""").Should().BeOfType<Patient>();
    }

    [Fact]
    public void Every_R4_resource_type_is_known_now_not_only_the_ones_the_own_model_carried()
    {
        // The own generated model carried a handful of types and refused the others (Observation among them);
        // Firely carries all of R4. Which types the gateway serves is decided by its routes, not by the parser.
        var resource = FhirJson.Parse("""{"resourceType":"Observation","id":"o1","status":"final","code":{"text":"glucose"}}""");

        resource.Should().BeOfType<Observation>().Which.Status.Should().Be(ObservationStatus.Final);
    }

    // ---- choice types ----------------------------------------------------------------------

    [Fact]
    public void Choice_medicationCodeableConcept_reads_and_writes_under_its_name()
    {
        const string json = """
            {"resourceType":"MedicationRequest","status":"active","intent":"order",
             "medicationCodeableConcept":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"582620"}]},
             "subject":{"reference":"Patient/p1"}}
            """;

        var request = FhirJson.Parse<MedicationRequest>(json);

        request.Medication.Should().BeOfType<CodeableConcept>().Which.Coding[0].Code.Should().Be("582620");
        AssertRoundTrip(json, request);
        var written = JsonNode.Parse(FhirJson.Serialize(request))!.AsObject();
        written.ContainsKey("medicationReference").Should().BeFalse();
        written.ContainsKey("medication").Should().BeFalse();
    }

    [Fact]
    public void Choice_medicationReference_reads_and_writes_under_its_name()
    {
        const string json = """
            {"resourceType":"MedicationRequest","status":"active","intent":"order",
             "medicationReference":{"reference":"#med1"},"subject":{"reference":"Patient/p1"}}
            """;

        var request = FhirJson.Parse<MedicationRequest>(json);

        request.Medication.Should().BeOfType<ResourceReference>().Which.Reference.Should().Be("#med1");
        AssertRoundTrip(json, request);
    }

    [Fact]
    public void Choice_medication_is_written_under_the_name_of_the_type_set()
    {
        var request = new MedicationRequest
        {
            Status = MedicationRequest.MedicationrequestStatus.Active,
            Intent = MedicationRequest.MedicationRequestIntent.Order,
            Medication = new ResourceReference("Medication/m1"),
            Subject = new ResourceReference("Patient/p1"),
        };

        var node = JsonNode.Parse(FhirJson.Serialize(request))!;

        node["medicationReference"]!["reference"]!.GetValue<string>().Should().Be("Medication/m1");
        node.AsObject().ContainsKey("medicationCodeableConcept").Should().BeFalse();
    }

    [Fact]
    public void Choice_performedDateTime_reads_and_writes_under_its_name()
    {
        const string json = """{"resourceType":"Procedure","status":"completed","subject":{"reference":"Patient/p1"},"performedDateTime":"2024-03-01T10:15:00-05:00"}""";

        var procedure = FhirJson.Parse<Procedure>(json);

        procedure.Performed.Should().BeOfType<FhirDateTime>().Which.Value.Should().Be("2024-03-01T10:15:00-05:00");
        AssertRoundTrip(json, procedure);
    }

    [Fact]
    public void Choice_performedPeriod_reads_and_writes_under_its_name()
    {
        const string json = """{"resourceType":"Procedure","status":"completed","subject":{"reference":"Patient/p1"},"performedPeriod":{"start":"2024-03-01T10:15:00-05:00","end":"2024-03-01T11:40:00-05:00"}}""";

        var procedure = FhirJson.Parse<Procedure>(json);

        var period = procedure.Performed.Should().BeOfType<Period>().Subject;
        period.Start.Should().Be("2024-03-01T10:15:00-05:00");
        period.End.Should().Be("2024-03-01T11:40:00-05:00");
        AssertRoundTrip(json, procedure);
    }

    [Theory]
    [InlineData("""{"resourceType":"Patient","deceasedBoolean":true}""", true, null)]
    [InlineData("""{"resourceType":"Patient","deceasedBoolean":false}""", false, null)]
    [InlineData("""{"resourceType":"Patient","deceasedDateTime":"2015-02-14T13:42:00+10:00"}""", null, "2015-02-14T13:42:00+10:00")]
    [InlineData("""{"resourceType":"Patient","deceasedDateTime":"2015"}""", null, "2015")]
    public void Choice_deceased_reads_and_writes_under_its_name(string json, bool? deceasedBoolean, string? deceasedDateTime)
    {
        var patient = FhirJson.Parse<Patient>(json);

        if (deceasedBoolean is not null)
            patient.Deceased.Should().BeOfType<FhirBoolean>().Which.Value.Should().Be(deceasedBoolean);
        else
            patient.Deceased.Should().BeOfType<FhirDateTime>().Which.Value.Should().Be(deceasedDateTime);
        AssertRoundTrip(json, patient);
    }

    // ---- primitive extensions --------------------------------------------------------------

    [Fact]
    public void Primitive_extension_of_a_single_value_round_trips()
    {
        const string json = """
            {"resourceType":"Patient","birthDate":"1985-06-15",
             "_birthDate":{"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/patient-birthTime","valueDateTime":"1985-06-15T14:35:45-05:00"}]}}
            """;

        var patient = FhirJson.Parse<Patient>(json);

        patient.BirthDate.Should().Be("1985-06-15");
        var extension = patient.BirthDateElement!.Extension.Should().ContainSingle().Subject;
        extension.Url.Should().Be("http://hl7.org/fhir/StructureDefinition/patient-birthTime");
        extension.Value.Should().BeOfType<FhirDateTime>().Which.Value.Should().Be("1985-06-15T14:35:45-05:00");
        AssertRoundTrip(json, patient);
    }

    [Fact]
    public void Primitive_extension_without_a_value_round_trips()
    {
        const string json = """
            {"resourceType":"Patient",
             "_birthDate":{"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/data-absent-reason","valueCode":"unknown"}]}}
            """;

        var patient = FhirJson.Parse<Patient>(json);

        patient.BirthDate.Should().BeNull();
        patient.BirthDateElement!.Extension[0].Value.Should().BeOfType<Code>().Which.Value.Should().Be("unknown");
        AssertRoundTrip(json, patient);
    }

    [Fact]
    public void Primitive_array_with_a_null_aligned_to_its_extension_round_trips()
    {
        // A null in a primitive array is allowed where the same index of its _array carries an id or extensions.
        const string json = """
            {"resourceType":"Patient","name":[{"family":"Chalmers",
              "given":["Jim",null],
              "_given":[null,{"extension":[{"url":"http://example.org/nickname","valueString":"Jimmy"}]}]}]}
            """;

        var patient = FhirJson.Parse<Patient>(json);

        var name = patient.Name[0];
        name.GivenElement.Should().HaveCount(2);
        name.GivenElement[0].Value.Should().Be("Jim");
        name.GivenElement[0].Extension.Should().BeEmpty();
        name.GivenElement[1].Value.Should().BeNull();
        name.GivenElement[1].Extension[0].Value.Should().BeOfType<FhirString>().Which.Value.Should().Be("Jimmy");
        AssertRoundTrip(json, patient);
    }

    [Fact]
    public void Primitive_array_with_an_extension_on_every_item_round_trips()
    {
        const string json = """
            {"resourceType":"Patient","name":[{"given":["Peter","James"],
              "_given":[{"id":"g1"},{"extension":[{"url":"http://example.org/x","valueBoolean":true}]}]}]}
            """;

        var patient = FhirJson.Parse<Patient>(json);

        patient.Name[0].GivenElement[0].ElementId.Should().Be("g1");
        patient.Name[0].Given.Should().Equal("Peter", "James");
        AssertRoundTrip(json, patient);
    }

    [Fact]
    public void Primitive_array_with_a_valueless_item_can_be_built_in_code()
    {
        var name = new HumanName
        {
            Family = "Chalmers",
            GivenElement =
            [
                new FhirString("Jim"),
                new FhirString { Extension = [new Extension("http://example.org/nickname", new FhirString("Jimmy"))] },
            ],
        };

        var node = JsonNode.Parse(FhirJson.Serialize(new Patient { Name = [name] }))!;

        node["name"]![0]!["given"]!.ToJsonString().Should().Be("[\"Jim\",null]");
        node["name"]![0]!["_given"]![0].Should().BeNull();
        node["name"]![0]!["_given"]![1]!["extension"]![0]!["valueString"]!.GetValue<string>().Should().Be("Jimmy");
    }

    // ---- no nulls, no empty arrays, definition order ---------------------------------------

    [Fact]
    public void Null_properties_are_not_written()
    {
        var json = FhirJson.Serialize(new Patient { Id = "p1", Name = [new HumanName { Family = "Tremblay" }] });

        json.Should().Be("""{"resourceType":"Patient","id":"p1","name":[{"family":"Tremblay"}]}""");
    }

    [Fact]
    public void Elements_are_written_in_the_order_of_the_FHIR_definition()
    {
        var patient = new Patient
        {
            Gender = AdministrativeGender.Male,
            Name = [new HumanName { Family = "Tremblay", Extension = [new Extension("http://example.org/x", new FhirBoolean(true))], ElementId = "n1" }],
            Extension = [new Extension("http://example.org/y", new FhirString("y"))],
            Meta = new Meta { VersionId = "3" },
            Id = "p1",
        };

        var node = JsonNode.Parse(FhirJson.Serialize(patient))!.AsObject();

        node.Select(p => p.Key).Should().Equal("resourceType", "id", "meta", "extension", "name", "gender");
        node["name"]![0]!.AsObject().Select(p => p.Key).Should().Equal("id", "extension", "family");
    }

    [Fact]
    public void Empty_lists_are_not_written()
    {
        var patient = new Patient
        {
            Id = "p1",
            Identifier = [],
            Contained = [],
            Extension = [],
            ModifierExtension = [],
            Name = [new HumanName { Family = "Tremblay", Given = [], Prefix = [], Extension = [] }],
            Telecom = [],
        };

        var json = FhirJson.Serialize(patient);

        json.Should().Be("""{"resourceType":"Patient","id":"p1","name":[{"family":"Tremblay"}]}""");
        json.Should().NotContain("[]").And.NotContain("null");
    }

    [Fact]
    public void An_empty_list_on_a_bundle_is_not_written()
    {
        var json = FhirJson.Serialize(new Bundle { Type = Bundle.BundleType.Searchset, Total = 0, Entry = [], Link = [] });

        json.Should().Be("""{"resourceType":"Bundle","type":"searchset","total":0}""");
    }

    [Fact]
    public void Default_values_of_value_types_are_written_when_set()
    {
        // false and 0 are values, not absences: only null means absent.
        var json = FhirJson.Serialize(new Patient { Active = false, Deceased = new FhirBoolean(false) });

        json.Should().Be("""{"resourceType":"Patient","active":false,"deceasedBoolean":false}""");
    }

    // ---- decimals and dates keep their precision -------------------------------------------

    [Theory]
    [InlineData("1.50")]
    [InlineData("100.000")]
    [InlineData("0.0001")]
    [InlineData("-3.10")]
    [InlineData("0")]
    [InlineData("0.0")]
    [InlineData("72")]
    [InlineData("123456789012345678.0123456789")]
    public void Decimals_are_kept_exactly(string number)
    {
        var json = """{"resourceType":"MedicationRequest","status":"active","intent":"order","medicationCodeableConcept":{"text":"saline"},"subject":{"reference":"Patient/p1"},"dispenseRequest":{"quantity":{"value":"""
            + number + ""","unit":"mL"}}}""";

        var request = FhirJson.Parse<MedicationRequest>(json);

        request.DispenseRequest!.Quantity!.Value!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture).Should().Be(number);
        FhirJson.Serialize(request).Should().Contain($"\"value\":{number},");
        AssertRoundTrip(json, request);
    }

    [Fact]
    public void A_decimal_set_in_code_is_written_at_its_scale()
    {
        var request = new MedicationRequest
        {
            DispenseRequest = new MedicationRequest.DispenseRequestComponent { Quantity = new Quantity { Value = 1.50m, Unit = "mg" } },
        };

        FhirJson.Serialize(request).Should().Contain("\"value\":1.50,");
    }

    [Theory]
    [InlineData("1985")]
    [InlineData("1985-06")]
    [InlineData("1985-06-15")]
    public void BirthDate_is_kept_at_its_precision(string birthDate)
    {
        var json = $$"""{"resourceType":"Patient","birthDate":"{{birthDate}}"}""";

        var patient = FhirJson.Parse<Patient>(json);

        patient.BirthDate.Should().Be(birthDate);
        FhirJson.Serialize(patient).Should().Be(json);
    }

    [Theory]
    [InlineData("2024-03-01T10:15:00-05:00")]
    [InlineData("2024-03-01T10:15:00+00:00")]
    [InlineData("2024-03-01T15:15:00Z")]
    [InlineData("2024-03-01T10:15:00.120-05:00")]
    [InlineData("2024")]
    [InlineData("2024-03")]
    public void DateTimes_are_kept_unchanged(string dateTime)
    {
        var json = $$"""{"resourceType":"Procedure","status":"completed","subject":{"reference":"Patient/p1"},"performedDateTime":"{{dateTime}}"}""";

        var procedure = FhirJson.Parse<Procedure>(json);

        procedure.Performed.Should().BeOfType<FhirDateTime>().Which.Value.Should().Be(dateTime);
        FhirJson.Serialize(procedure).Should().Be(json);
    }

    [Fact]
    public void An_instant_is_kept_unchanged()
    {
        const string json = """{"resourceType":"Patient","meta":{"lastUpdated":"2024-03-01T10:15:00.123456-05:00"}}""";

        FhirJson.Serialize(FhirJson.Parse(json)).Should().Be(json);
    }

    [Fact]
    public void Non_ascii_text_is_written_unescaped()
    {
        const string json = """{"resourceType":"Organization","name":"CIUSSS du Nord-de-l'Île-de-Montréal"}""";

        FhirJson.Serialize(FhirJson.Parse(json)).Should().Be(json);
    }

    // ---- DeepCopy --------------------------------------------------------------------------

    [Fact]
    public void DeepCopy_gives_an_equal_but_independent_copy()
    {
        const string json = """
            {"resourceType":"Patient","id":"p1","meta":{"versionId":"1"},
             "name":[{"family":"Tremblay","given":["Marie",null],"_given":[null,{"id":"x"}]}],
             "contained":[{"resourceType":"Organization","id":"o1","name":"NIM"}],
             "birthDate":"1985-06"}
            """;
        var original = FhirJson.Parse<Patient>(json);

        var copy = FhirJson.DeepCopy(original);

        copy.Should().NotBeSameAs(original);
        FhirJson.Serialize(copy).Should().Be(FhirJson.Serialize(original));
        copy.Name.Should().NotBeSameAs(original.Name);
        copy.Name[0].Should().NotBeSameAs(original.Name[0]);
        copy.Meta.Should().NotBeSameAs(original.Meta);
        copy.Contained[0].Should().NotBeSameAs(original.Contained[0]);

        copy.Name[0].Family = "Gagnon";
        copy.Name[0].GivenElement.Add(new FhirString("Louise"));
        copy.Meta!.VersionId = "2";
        ((Organization)copy.Contained[0]).Name = "MCQ";
        copy.Name.Add(new HumanName { Family = "Other" });

        original.Name.Should().ContainSingle();
        original.Name[0].Family.Should().Be("Tremblay");
        original.Name[0].GivenElement.Select(g => g.Value).Should().Equal("Marie", null);
        original.Meta!.VersionId.Should().Be("1");
        ((Organization)original.Contained[0]).Name.Should().Be("NIM");
        AssertRoundTrip(json, original);
    }

    [Fact]
    public void DeepCopy_keeps_the_static_type()
    {
        Resource resource = new Procedure { Id = "pr1", Status = EventStatus.Completed };

        var copy = FhirJson.DeepCopy(resource);

        copy.Should().BeOfType<Procedure>().Which.Status.Should().Be(EventStatus.Completed);
    }

    // ---- helpers ---------------------------------------------------------------------------

    internal static void AssertRoundTrip(string expectedJson, Resource resource)
    {
        var written = FhirJson.Serialize(resource);
        JsonSemantics.FirstDifference(JsonNode.Parse(expectedJson), JsonNode.Parse(written)).Should().BeNull(written);
    }
}
