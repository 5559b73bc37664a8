using System.Text.Json.Nodes;
using DsnGateway.Fhir.Model;
using DsnGateway.Fhir.Serialization;

namespace DsnGateway.Fhir.Tests.Serialization;

public class FhirJsonTests
{
    // ---- resourceType ----------------------------------------------------------------------

    [Fact]
    public void ResourceType_is_written_first()
    {
        var patient = new Patient { Id = "p1", Active = true, Gender = "female" };

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
            Type = "collection",
            Entry =
            [
                new BundleEntry
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

    [Theory]
    [InlineData("{\"id\":\"p1\",\"active\":true}")]
    [InlineData("{}")]
    public void ResourceType_is_required(string json)
    {
        var act = () => FhirJson.Parse(json);

        act.Should().Throw<FhirParseException>().WithMessage("*resourceType*");
    }

    [Fact]
    public void ResourceType_is_required_on_a_contained_resource()
    {
        const string json = """{"resourceType":"Patient","contained":[{"id":"o1","name":"NIM"}]}""";

        var act = () => FhirJson.Parse(json);

        act.Should().Throw<FhirParseException>()
            .WithMessage("*resourceType*")
            .Which.ElementPath.Should().Be("contained[0]");
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
    public void Parse_of_T_rejects_another_resource_type()
    {
        const string json = """{"resourceType":"Patient","id":"p1"}""";

        var act = () => FhirJson.Parse<MedicationRequest>(json);

        var ex = act.Should().Throw<FhirParseException>().Which;
        ex.Message.Should().Contain("MedicationRequest").And.Contain("Patient");
        ex.ElementPath.Should().Be("resourceType");
    }

    [Fact]
    public void Parse_of_T_returns_the_typed_resource()
    {
        var request = FhirJson.Parse<MedicationRequest>("""{"resourceType":"MedicationRequest","id":"m1","status":"active"}""");

        request.Id.Should().Be("m1");
        request.Status.Should().Be("active");
    }

    [Fact]
    public void Parse_of_the_base_type_accepts_any_resource()
    {
        FhirJson.Parse<Resource>("""{"resourceType":"Procedure","id":"x"}""").Should().BeOfType<Procedure>();
        FhirJson.Parse<DomainResource>("""{"resourceType":"Patient","id":"x"}""").Should().BeOfType<Patient>();
    }

    [Fact]
    public void A_second_resourceType_that_disagrees_is_rejected()
    {
        const string json = """{"resourceType":"Patient","id":"p1","resourceType":"Practitioner"}""";

        var act = () => FhirJson.Parse(json);

        act.Should().Throw<FhirParseException>().WithMessage("*Practitioner*");
    }

    [Theory]
    [InlineData("""{"resourceType":"Observation","id":"o1","status":"final"}""", "Observation")]
    [InlineData("""{"resourceType":"patient","id":"p1"}""", "patient")]
    [InlineData("""{"resourceType":"","id":"p1"}""", "")]
    public void An_unsupported_resource_type_gives_a_clear_error(string json, string type)
    {
        var act = () => FhirJson.Parse(json);

        var ex = act.Should().Throw<FhirParseException>().Which;
        ex.Message.Should().Be($"Resource type '{type}' is not supported.");
        ex.InnerException.Should().BeOfType<FhirUnsupportedResourceTypeException>()
            .Which.ResourceType.Should().Be(type);
    }

    [Fact]
    public void An_unsupported_resource_type_in_a_bundle_entry_names_where_it_is()
    {
        const string json = """
            {"resourceType":"Bundle","type":"collection","entry":[
              {"resource":{"resourceType":"Patient","id":"p1"}},
              {"resource":{"resourceType":"Observation","id":"o1"}}]}
            """;

        var act = () => FhirJson.Parse(json);

        var ex = act.Should().Throw<FhirParseException>().Which;
        ex.Message.Should().Contain("'Observation' is not supported");
        ex.ElementPath.Should().Be("entry[1].resource");
    }

    [Fact]
    public void A_resourceType_that_is_not_a_string_is_rejected()
    {
        var act = () => FhirJson.Parse("""{"resourceType":5,"id":"p1"}""");

        act.Should().Throw<FhirParseException>().WithMessage("*resourceType must be a string*");
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

        request.MedicationCodeableConcept!.Coding![0].Code.Should().Be("582620");
        request.MedicationReference.Should().BeNull();
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

        request.MedicationReference!.ReferenceValue.Should().Be("#med1");
        request.MedicationCodeableConcept.Should().BeNull();
        AssertRoundTrip(json, request);
    }

    [Fact]
    public void Choice_medication_is_written_under_the_name_of_the_type_set()
    {
        var request = new MedicationRequest
        {
            Status = "active",
            Intent = "order",
            MedicationReference = new Reference { ReferenceValue = "Medication/m1" },
            Subject = new Reference { ReferenceValue = "Patient/p1" },
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

        procedure.PerformedDateTime.Should().Be("2024-03-01T10:15:00-05:00");
        procedure.PerformedPeriod.Should().BeNull();
        AssertRoundTrip(json, procedure);
    }

    [Fact]
    public void Choice_performedPeriod_reads_and_writes_under_its_name()
    {
        const string json = """{"resourceType":"Procedure","status":"completed","subject":{"reference":"Patient/p1"},"performedPeriod":{"start":"2024-03-01T10:15:00-05:00","end":"2024-03-01T11"}}""";

        // "2024-03-01T11" is not a valid dateTime, but the model keeps dates as text: it must not matter here.
        var act = () => FhirJson.Parse<Procedure>(json.Replace("2024-03-01T11", "2024-03-01T11:40:00-05:00"));

        var procedure = act.Should().NotThrow().Subject;
        procedure.PerformedPeriod!.Start.Should().Be("2024-03-01T10:15:00-05:00");
        procedure.PerformedPeriod.End.Should().Be("2024-03-01T11:40:00-05:00");
        procedure.PerformedDateTime.Should().BeNull();
        AssertRoundTrip(json.Replace("2024-03-01T11", "2024-03-01T11:40:00-05:00"), procedure);
    }

    [Theory]
    [InlineData("""{"resourceType":"Patient","deceasedBoolean":true}""", true, null)]
    [InlineData("""{"resourceType":"Patient","deceasedBoolean":false}""", false, null)]
    [InlineData("""{"resourceType":"Patient","deceasedDateTime":"2015-02-14T13:42:00+10:00"}""", null, "2015-02-14T13:42:00+10:00")]
    [InlineData("""{"resourceType":"Patient","deceasedDateTime":"2015"}""", null, "2015")]
    public void Choice_deceased_reads_and_writes_under_its_name(string json, bool? deceasedBoolean, string? deceasedDateTime)
    {
        var patient = FhirJson.Parse<Patient>(json);

        patient.DeceasedBoolean.Should().Be(deceasedBoolean);
        patient.DeceasedDateTime.Should().Be(deceasedDateTime);
        AssertRoundTrip(json, patient);
    }

    [Fact]
    public void A_choice_element_without_its_type_suffix_is_unknown()
    {
        var act = () => FhirJson.Parse("""{"resourceType":"Patient","deceased":true}""");

        act.Should().Throw<FhirParseException>().Which.ElementPath.Should().Be("deceased");
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
        extension.ValueDateTime.Should().Be("1985-06-15T14:35:45-05:00");
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
        patient.BirthDateElement!.Extension![0].ValueCode.Should().Be("unknown");
        AssertRoundTrip(json, patient);
    }

    [Fact]
    public void Primitive_array_with_a_null_aligned_to_its_extension_round_trips()
    {
        const string json = """
            {"resourceType":"Patient","name":[{"family":"Chalmers",
              "given":["Jim",null],
              "_given":[null,{"extension":[{"url":"http://example.org/nickname","valueString":"Jimmy"}]}]}]}
            """;

        var patient = FhirJson.Parse<Patient>(json);

        var name = patient.Name![0];
        name.Given.Should().Equal("Jim", null);
        name.GivenElement.Should().HaveCount(2);
        name.GivenElement![0].Should().BeNull();
        name.GivenElement[1]!.Extension![0].ValueString.Should().Be("Jimmy");
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

        patient.Name![0].GivenElement![0]!.Id.Should().Be("g1");
        AssertRoundTrip(json, patient);
    }

    [Fact]
    public void Primitive_array_with_nulls_can_be_built_in_code()
    {
        var name = new HumanName
        {
            Family = "Chalmers",
            Given = ["Jim", null],
            GivenElement = [null, new Element { Extension = [new Extension { Url = "http://example.org/nickname", ValueString = "Jimmy" }] }],
        };

        var node = JsonNode.Parse(FhirJson.Serialize(new Patient { Name = [name] }))!;

        node["name"]![0]!["given"]!.ToJsonString().Should().Be("[\"Jim\",null]");
        node["name"]![0]!["_given"]![0].Should().BeNull();
        node["name"]![0]!["_given"]![1]!["extension"]![0]!["valueString"]!.GetValue<string>().Should().Be("Jimmy");
    }

    // ---- no nulls, no empty arrays ---------------------------------------------------------

    [Fact]
    public void Null_properties_are_not_written()
    {
        var json = FhirJson.Serialize(new Patient { Id = "p1", Name = [new HumanName { Family = "Tremblay" }] });

        json.Should().Be("""{"resourceType":"Patient","id":"p1","name":[{"family":"Tremblay"}]}""");
    }

    [Fact]
    public void Inherited_elements_are_written_before_a_type_s_own()
    {
        var patient = new Patient
        {
            Gender = "male",
            Name = [new HumanName { Family = "Tremblay", Extension = [new Extension { Url = "http://example.org/x", ValueBoolean = true }], Id = "n1" }],
            Extension = [new Extension { Url = "http://example.org/y", ValueString = "y" }],
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
            Name = [new HumanName { Family = "Tremblay", Given = [], GivenElement = [], Prefix = [], Extension = [] }],
            Telecom = [],
        };

        var json = FhirJson.Serialize(patient);

        json.Should().Be("""{"resourceType":"Patient","id":"p1","name":[{"family":"Tremblay"}]}""");
        json.Should().NotContain("[]").And.NotContain("null");
    }

    [Fact]
    public void An_empty_list_on_a_bundle_is_not_written()
    {
        var json = FhirJson.Serialize(new Bundle { Type = "searchset", Total = 0, Entry = [], Link = [] });

        json.Should().Be("""{"resourceType":"Bundle","type":"searchset","total":0}""");
    }

    [Fact]
    public void Default_values_of_value_types_are_written_when_set()
    {
        // false and 0 are values, not absences: only null means absent.
        var json = FhirJson.Serialize(new Patient { Active = false, DeceasedBoolean = false });

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
        var json = """{"resourceType":"MedicationRequest","status":"active","intent":"order","subject":{"reference":"Patient/p1"},"dispenseRequest":{"quantity":{"value":"""
            + number + ""","unit":"mL"}}}""";

        var request = FhirJson.Parse<MedicationRequest>(json);

        request.DispenseRequest!.Quantity!.Value!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture).Should().Be(number);
        FhirJson.Serialize(request).Should().Contain($"\"value\":{number},");
        AssertRoundTrip(json, request);
    }

    [Fact]
    public void A_decimal_set_in_code_is_written_at_its_scale()
    {
        var quantity = new Quantity { Value = 1.50m, Unit = "mg" };
        var request = new MedicationRequest { DispenseRequest = new MedicationRequestDispenseRequest { Quantity = quantity } };

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

        procedure.PerformedDateTime.Should().Be(dateTime);
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

    // ---- unknown elements ------------------------------------------------------------------

    [Theory]
    [InlineData("""{"resourceType":"Patient","foo":1}""", "foo")]
    [InlineData("""{"foo":"bar","resourceType":"Patient"}""", "foo")]
    [InlineData("""{"resourceType":"Patient","Active":true}""", "Active")]
    [InlineData("""{"resourceType":"Patient","contact":[{"foo":{"a":1}}]}""", "contact[0].foo")]
    [InlineData("""{"resourceType":"Patient","contact":[{"gender":"male"},{"name":{"family":"X","foo":[1,2]}}]}""", "contact[1].name.foo")]
    [InlineData("""{"resourceType":"Patient","name":[{"family":"X","_given":[null,{"foo":true}]}]}""", "name[0]._given[1].foo")]
    [InlineData("""{"resourceType":"Patient","_birthDate":{"foo":1}}""", "_birthDate.foo")]
    [InlineData("""{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Patient","foo":1}}]}""", "entry[0].resource.foo")]
    [InlineData("""{"resourceType":"Bundle","type":"collection","entry":[{"fullUrl":"urn:uuid:1"},{"resource":{"resourceType":"Patient","name":[{"foo":1}]}}]}""", "entry[1].resource.name[0].foo")]
    [InlineData("""{"resourceType":"Patient","contained":[{"resourceType":"Organization","id":"o1","foo":1}]}""", "contained[0].foo")]
    [InlineData("""{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Patient","contained":[{"resourceType":"Organization"},{"resourceType":"Practitioner","name":[{"foo":1}]}]}}]}""", "entry[0].resource.contained[1].name[0].foo")]
    [InlineData("""{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Patient","foo":1}}]}}]}""", "entry[0].resource.entry[0].resource.foo")]
    public void An_unknown_element_is_rejected_with_its_path(string json, string path)
    {
        var act = () => FhirJson.Parse(json);

        var ex = act.Should().Throw<FhirParseException>().Which;
        ex.ElementPath.Should().Be(path);
        var property = path[(path.LastIndexOf('.') + 1)..];
        ex.Message.Should().Be($"Unknown element '{property}' at {path}.");
    }

    // ---- malformed JSON and wrong value types ----------------------------------------------

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("{")]
    [InlineData("{\"resourceType\":\"Patient\",")]
    [InlineData("{\"resourceType\":\"Patient\" \"id\":\"p1\"}")]
    [InlineData("{\"resourceType\":\"Patient\",\"id\":'p1'}")]
    [InlineData("{\"resourceType\":\"Patient\",\"active\":tru}")]
    [InlineData("{\"resourceType\":\"Patient\"}}")]
    [InlineData("{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"X\"]}")]
    [InlineData("{\"resourceType\":\"Patient\",} ")]
    [InlineData("not json")]
    public void Malformed_json_gives_a_FhirParseException(string json)
    {
        var act = () => FhirJson.Parse(json);

        act.Should().Throw<FhirParseException>().Which.InnerException.Should().BeAssignableTo<System.Text.Json.JsonException>();
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("\"Patient\"")]
    [InlineData("42")]
    public void A_body_that_is_not_an_object_gives_a_FhirParseException(string json)
    {
        var act = () => FhirJson.Parse(json);

        act.Should().Throw<FhirParseException>().WithMessage("*must be a JSON object*");
    }

    [Fact]
    public void A_json_null_body_gives_a_FhirParseException()
    {
        var act = () => FhirJson.Parse("null");

        act.Should().Throw<FhirParseException>().WithMessage("*null*");
    }

    [Theory]
    [InlineData("""{"resourceType":"Patient","active":"true"}""", "active")]
    [InlineData("""{"resourceType":"Patient","active":1}""", "active")]
    [InlineData("""{"resourceType":"Patient","id":5}""", "id")]
    [InlineData("""{"resourceType":"Patient","birthDate":1985}""", "birthDate")]
    [InlineData("""{"resourceType":"Patient","name":{"family":"X"}}""", "name")]
    [InlineData("""{"resourceType":"Patient","name":[{"given":"Jim"}]}""", "name[0].given")]
    [InlineData("""{"resourceType":"Patient","name":[{"family":["X"]}]}""", "name[0].family")]
    [InlineData("""{"resourceType":"Patient","multipleBirthInteger":1.5}""", "multipleBirthInteger")]
    [InlineData("""{"resourceType":"Patient","multipleBirthInteger":"2"}""", "multipleBirthInteger")]
    [InlineData("""{"resourceType":"Bundle","total":"3"}""", "total")]
    [InlineData("""{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient","active":"yes"}}]}""", "entry[0].resource.active")]
    [InlineData("""{"resourceType":"Patient","contained":[{"resourceType":"Organization","active":"yes"}]}""", "contained[0].active")]
    public void A_value_of_the_wrong_type_gives_a_FhirParseException_with_its_path(string json, string path)
    {
        var act = () => FhirJson.Parse(json);

        var ex = act.Should().Throw<FhirParseException>().Which;
        ex.ElementPath.Should().Be(path);
        ex.Message.Should().Contain(path);
    }

    [Fact]
    public void A_decimal_beyond_the_range_of_the_model_gives_a_FhirParseException()
    {
        const string json = """{"resourceType":"MedicationRequest","dispenseRequest":{"quantity":{"value":1e40}}}""";

        var act = () => FhirJson.Parse(json);

        act.Should().Throw<FhirParseException>().Which.ElementPath.Should().Be("dispenseRequest.quantity.value");
    }

    [Fact]
    public void A_contained_resource_that_is_not_an_object_gives_a_FhirParseException()
    {
        var act = () => FhirJson.Parse("""{"resourceType":"Patient","contained":["Organization/o1"]}""");

        act.Should().Throw<FhirParseException>().Which.ElementPath.Should().Be("contained[0]");
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
        copy.Name![0].Should().NotBeSameAs(original.Name![0]);
        copy.Meta.Should().NotBeSameAs(original.Meta);
        copy.Contained![0].Should().NotBeSameAs(original.Contained![0]);

        copy.Name[0].Family = "Gagnon";
        copy.Name[0].Given!.Add("Louise");
        copy.Meta!.VersionId = "2";
        ((Organization)copy.Contained[0]).Name = "MCQ";
        copy.Name.Add(new HumanName { Family = "Other" });

        original.Name.Should().ContainSingle();
        original.Name[0].Family.Should().Be("Tremblay");
        original.Name[0].Given.Should().Equal("Marie", null);
        original.Meta!.VersionId.Should().Be("1");
        ((Organization)original.Contained[0]).Name.Should().Be("NIM");
        AssertRoundTrip(json, original);
    }

    [Fact]
    public void DeepCopy_keeps_the_static_type()
    {
        Resource resource = new Procedure { Id = "pr1", Status = "completed" };

        var copy = FhirJson.DeepCopy(resource);

        copy.Should().BeOfType<Procedure>().Which.Status.Should().Be("completed");
    }

    // ---- helpers ---------------------------------------------------------------------------

    private static void AssertRoundTrip(string expectedJson, Resource resource)
    {
        var written = FhirJson.Serialize(resource);
        JsonSemantics.FirstDifference(JsonNode.Parse(expectedJson), JsonNode.Parse(written)).Should().BeNull(written);
    }
}
