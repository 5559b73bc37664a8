using DsnGateway.Fhir.Serialization;
using Hl7.Fhir.Model;

namespace DsnGateway.Fhir.Tests.Serialization;

/// <summary>
/// Firely's strict parse (docs/arch/0019): what the own serializer took and now is refused, and what it already
/// refused. Each refusal is a <see cref="FhirParseException"/> whose issues say where, in Firely's element-path form
/// (<c>Patient.name[0].family</c>; <c>(root)</c> for the body as a whole), so that a client is told exactly what to fix.
/// </summary>
public class FhirJsonRefusalTests
{
    // ---- accepted by the own serializer, refused now ----------------------------------------

    [Theory]
    [InlineData("""{"resourceType":"Patient","name":[{"family":""}]}""", "Patient.name[0].family")]
    [InlineData("""{"resourceType":"Patient","id":""}""", "Patient.id")]
    [InlineData("""{"resourceType":"Patient","name":[{"given":["Jim",""]}]}""", "Patient.name[0].given[1]")]
    [InlineData("""{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Patient","birthDate":""}}]}""", "Bundle.entry[0].resource.birthDate")]
    public void An_empty_string_is_refused(string json, string path) => AssertRefused(json, path);

    [Theory]
    [InlineData("""{"resourceType":"Patient","gender":"xx"}""", "Patient.gender")]
    [InlineData("""{"resourceType":"Patient","gender":"Female"}""", "Patient.gender")]
    [InlineData("""{"resourceType":"Patient","identifier":[{"use":"main","value":"1"}]}""", "Patient.identifier[0].use")]
    [InlineData("""{"resourceType":"Bundle","type":"batchy"}""", "Bundle.type")]
    [InlineData("""{"resourceType":"MedicationRequest","status":"done","intent":"order","medicationCodeableConcept":{"text":"saline"},"subject":{"reference":"Patient/p1"}}""", "MedicationRequest.status")]
    public void A_code_outside_its_required_value_set_is_refused(string json, string path) => AssertRefused(json, path);

    [Theory]
    [InlineData("""{"resourceType":"Patient","birthDate":"1985-13-45"}""", "Patient.birthDate")]
    [InlineData("""{"resourceType":"Patient","birthDate":"15/06/1985"}""", "Patient.birthDate")]
    [InlineData("""{"resourceType":"Patient","birthDate":"1985-06-15T10:00:00Z"}""", "Patient.birthDate")]
    [InlineData("""{"resourceType":"Patient","deceasedDateTime":"2015-02-30"}""", "Patient.deceased")]
    [InlineData("""{"resourceType":"Procedure","status":"completed","subject":{"reference":"Patient/p1"},"performedPeriod":{"start":"2024-03-01T11"}}""", "Procedure.performed.start")]
    [InlineData("""{"resourceType":"Patient","meta":{"lastUpdated":"2024-03-01"}}""", "Patient.meta.lastUpdated")]
    public void A_malformed_date_is_refused(string json, string path) => AssertRefused(json, path);

    [Theory]
    [InlineData("""{"resourceType":"Patient","active":"true"}""", "Patient.active")]
    [InlineData("""{"resourceType":"Patient","active":1}""", "Patient.active")]
    [InlineData("""{"resourceType":"Patient","id":5}""", "Patient.id")]
    [InlineData("""{"resourceType":"Patient","birthDate":1985}""", "Patient.birthDate")]
    // Firely names the item it was reading when the shape was wrong: [0] for an object where an array belongs,
    // the position past the array's end where an array stands for a single value.
    [InlineData("""{"resourceType":"Patient","name":{"family":"X"}}""", "Patient.name[0]")]
    [InlineData("""{"resourceType":"Patient","name":[{"given":"Jim"}]}""", "Patient.name[0].given[0]")]
    [InlineData("""{"resourceType":"Patient","name":[{"family":["X"]}]}""", "Patient.name[0].family[1]")]
    [InlineData("""{"resourceType":"Patient","multipleBirthInteger":1.5}""", "Patient.multipleBirth")]
    [InlineData("""{"resourceType":"Patient","multipleBirthInteger":"2"}""", "Patient.multipleBirth")]
    [InlineData("""{"resourceType":"Bundle","type":"searchset","total":"3"}""", "Bundle.total")]
    [InlineData("""{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Patient","active":"yes"}}]}""", "Bundle.entry[0].resource.active")]
    [InlineData("""{"resourceType":"Patient","contained":[{"resourceType":"Organization","active":"yes"}]}""", "Patient.contained[0].active")]
    public void A_value_of_the_wrong_json_type_is_refused(string json, string path) => AssertRefused(json, path);

    // Firely's index here is the null's position counted from 1 (the second item is [2]): its path, as a client sees it.
    [Theory]
    [InlineData("""{"resourceType":"Patient","name":[null]}""", "Patient.name[1]")]
    [InlineData("""{"resourceType":"Patient","name":[{"family":"X"},null]}""", "Patient.name[2]")]
    [InlineData("""{"resourceType":"Patient","name":[{"given":["Jim",null]}]}""", "Patient.name[0].given[2]")]
    public void A_null_in_an_array_is_refused(string json, string path) => AssertRefused(json, path);

    // Firely names the object that holds both, and the second variant in its message.
    [Theory]
    [InlineData("""{"resourceType":"Patient","deceasedBoolean":false,"deceasedDateTime":"2020-01-02"}""", "Patient", "deceasedDateTime")]
    [InlineData("""{"resourceType":"MedicationRequest","status":"active","intent":"order","subject":{"reference":"Patient/p1"},"medicationCodeableConcept":{"text":"a"},"medicationReference":{"reference":"Medication/m1"}}""", "MedicationRequest", "medicationReference")]
    public void Two_variants_of_one_choice_element_are_refused(string json, string path, string secondVariant)
    {
        var ex = Refuse(json);

        ex.Issues.Should().ContainSingle().Which.Should().Match<FhirParseIssue>(i => i.ElementPath == path && i.Message.Contains(secondVariant));
    }

    [Theory]
    [InlineData("""{"resourceType":"","id":"p1"}""")]
    [InlineData("""{"resourceType":"Foo","id":"p1"}""")]
    public void An_unknown_resource_type_is_refused(string json) => AssertRefused(json, "(root)");

    [Fact]
    public void An_unknown_resource_type_in_a_bundle_entry_names_where_it_is()
    {
        const string json = """
            {"resourceType":"Bundle","type":"collection","entry":[
              {"resource":{"resourceType":"Patient","id":"p1"}},
              {"resource":{"resourceType":"Foo","id":"o1"}}]}
            """;

        var ex = Refuse(json);

        ex.Issues.Should().ContainSingle().Which.ElementPath.Should().Be("Bundle.entry[1].resource");
        ex.Message.Should().Contain("Foo");
    }

    [Theory]
    [InlineData("""{"resourceType":"MedicationRequest","status":"active","intent":"order","subject":{"reference":"Patient/p1"}}""", "medication")]
    [InlineData("""{"resourceType":"MedicationRequest","status":"active","intent":"order","medicationCodeableConcept":{"text":"a"}}""", "subject")]
    [InlineData("""{"resourceType":"Procedure","subject":{"reference":"Patient/p1"}}""", "status")]
    [InlineData("""{"resourceType":"Bundle","id":"b1"}""", "type")]
    public void A_missing_required_element_is_refused(string json, string element)
    {
        var ex = Refuse(json);

        // Firely checks cardinality once the object is read and names it "$this" then; for a lone resource that is its type.
        var type = json.Split('"')[3];
        ex.Issues.Should().Contain(i => i.ElementPath == type + "." + element);
    }

    [Fact]
    public void A_resource_with_nothing_but_its_type_is_refused()
    {
        var ex = Refuse("""{"resourceType":"Patient"}""");

        ex.Message.Should().Contain("Empty FHIR elements are invalid");
    }

    // ---- names in the wrong case: Firely's default mode binds them, FhirJson's strict mode refuses them ----

    [Theory]
    [InlineData("""{"resourceType":"Patient","Active":true}""", "Patient.Active")]
    [InlineData("""{"resourceType":"Patient","NAME":[{"family":"X"}]}""", "Patient.NAME")]
    [InlineData("""{"resourceType":"Patient","name":[{"FAMILY":"X"}]}""", "Patient.name[0].FAMILY")]
    public void An_element_name_in_the_wrong_case_is_refused(string json, string path) =>
        // Firely counts the array's index one too far after a wrong name (Patient.NAME[1]): the element is what matters.
        Refuse(json).Issues.Should().Contain(i => i.ElementPath.StartsWith(path, StringComparison.Ordinal) && i.Message.Contains("incorrect casing"));

    [Fact]
    public void A_resource_type_in_the_wrong_case_is_refused() => AssertRefused("""{"resourceType":"patient","id":"p1"}""", "(root)");

    [Fact]
    public void A_second_resourceType_that_disagrees_is_refused()
    {
        var ex = Refuse("""{"resourceType":"Patient","id":"p1","resourceType":"Practitioner"}""");

        ex.Message.Should().Contain("Practitioner");
    }

    [Fact]
    public void A_second_resourceType_inside_a_Bundle_entry_is_refused()
    {
        var ex = Refuse("""{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Patient","id":"p1","resourceType":"Practitioner"}}]}""");

        ex.Message.Should().Contain("twice");
    }

    [Fact]
    public void ResourceType_once_per_object_at_every_depth_is_accepted() =>
        FhirJson.Parse("""{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Patient","id":"p1"}},{"resource":{"resourceType":"Patient","id":"p2"}}]}""")
            .Should().BeOfType<Hl7.Fhir.Model.Bundle>();

    // ---- refused before, refused still --------------------------------------------------------

    [Theory]
    [InlineData("""{"resourceType":"Patient","foo":1}""", "Patient.foo")]
    [InlineData("""{"foo":"bar","resourceType":"Patient"}""", "Patient.foo")]
    [InlineData("""{"resourceType":"Patient","deceased":true}""", "Patient.deceased")]
    [InlineData("""{"resourceType":"Patient","contact":[{"foo":{"a":1}}]}""", "Patient.contact[0].foo")]
    [InlineData("""{"resourceType":"Patient","contact":[{"gender":"male"},{"name":{"family":"X","foo":[1,2]}}]}""", "Patient.contact[1].name.foo[2]")]
    [InlineData("""{"resourceType":"Patient","_birthDate":{"foo":1}}""", "Patient.birthDate.foo")]
    [InlineData("""{"resourceType":"Patient","name":[{"family":"X","_given":[null,{"foo":true}]}]}""", "Patient.name[0].given[1].foo")]
    [InlineData("""{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Patient","foo":1}}]}""", "Bundle.entry[0].resource.foo")]
    [InlineData("""{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Patient","contact":[{"foo":1}]}}]}""", "Bundle.entry[0].resource.contact[0].foo")]
    [InlineData("""{"resourceType":"Bundle","type":"collection","entry":[{"fullUrl":"urn:uuid:1"},{"resource":{"resourceType":"Patient","name":[{"foo":1}]}}]}""", "Bundle.entry[1].resource.name[0].foo")]
    [InlineData("""{"resourceType":"Patient","contained":[{"resourceType":"Organization","id":"o1","foo":1}]}""", "Patient.contained[0].foo")]
    [InlineData("""{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Patient","foo":1}}]}}]}""", "Bundle.entry[0].resource.entry[0].resource.foo")]
    public void An_unknown_element_is_refused_with_its_path(string json, string path)
    {
        AssertRefused(json, path);

        var name = path.Split('.')[^1].Split('[')[0];
        Refuse(json).Issues.Should().Contain(i => i.ElementPath == path && i.Message.Contains($"'{name}'"));
    }

    [Theory]
    [InlineData("""{"id":"p1","active":true}""")]
    [InlineData("{}")]
    public void A_body_without_resourceType_is_refused(string json) => AssertRefused(json, "(root)");

    [Fact]
    public void A_contained_resource_without_resourceType_is_refused()
    {
        var ex = Refuse("""{"resourceType":"Patient","contained":[{"id":"o1","name":"NIM"}]}""");

        // Firely says "no resourceType" without a path ((root)), then reads the object as a bare Resource, so that
        // its own elements are unknown there: the second issue is what points the client at the contained resource.
        ex.Issues.Should().Contain(i => i.ElementPath == "(root)" && i.Message.Contains("resourceType"));
        ex.Issues.Should().Contain(i => i.ElementPath == "Patient.contained[0].name");
    }

    [Fact]
    public void A_resourceType_that_is_not_a_string_is_refused() => AssertRefused("""{"resourceType":5,"id":"p1"}""", "(root)");

    [Fact]
    public void Parse_of_T_refuses_another_resource_type()
    {
        var act = () => FhirJson.Parse<MedicationRequest>("""{"resourceType":"Patient","id":"p1"}""");

        var ex = act.Should().Throw<FhirParseException>().Which;
        ex.Message.Should().Contain("MedicationRequest").And.Contain("Patient");
        ex.ElementPath.Should().Be("resourceType");
        ex.Issues.Should().ContainSingle();
    }

    [Fact]
    public void A_decimal_beyond_the_range_of_the_model_is_refused()
    {
        AssertRefused("""{"resourceType":"MedicationRequest","status":"active","intent":"order","medicationCodeableConcept":{"text":"saline"},"subject":{"reference":"Patient/p1"},"dispenseRequest":{"quantity":{"value":1e40}}}""",
            "MedicationRequest.dispenseRequest.quantity.value");
    }

    [Fact]
    public void A_contained_resource_that_is_not_an_object_is_refused()
    {
        var ex = Refuse("""{"resourceType":"Patient","contained":["Organization/o1"]}""");

        ex.Issues.Should().Contain(i => i.ElementPath.StartsWith("Patient.contained", StringComparison.Ordinal));
    }

    // ---- not a resource at all ----------------------------------------------------------------

    [Theory]
    [InlineData("[]")]
    [InlineData("""[{"resourceType":"Patient"}]""")]
    [InlineData("\"Patient\"")]
    [InlineData("42")]
    public void A_body_that_is_not_an_object_is_refused(string json) => AssertRefused(json, "(root)");

    [Fact]
    public void A_json_null_body_is_refused()
    {
        var ex = Refuse("null");

        ex.ElementPath.Should().Be("(root)");
        ex.Message.Should().Contain("null");
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("{")]
    [InlineData("{\"resourceType\":\"Patient\",")]
    [InlineData("{\"resourceType\":\"Patient\" \"id\":\"p1\"}")]
    [InlineData("{\"resourceType\":\"Patient\",\"id\":'p1'}")]
    [InlineData("{\"resourceType\":\"Patient\",\"active\":tru}")]
    [InlineData("{\"resourceType\":\"Patient\",\"id\":\"p1\"}}")]
    [InlineData("{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"X\"]}")]
    [InlineData("{\"resourceType\":\"Patient\",} ")]
    [InlineData("not json")]
    public void Malformed_json_is_refused(string json)
    {
        var ex = Refuse(json);

        ex.Issues.Should().NotBeEmpty();
        ex.Issues.Should().OnlyContain(i => !string.IsNullOrWhiteSpace(i.ElementPath) && !string.IsNullOrWhiteSpace(i.Message));
        ex.Message.Should().Contain("not valid JSON");
    }

    // ---- every problem, not only the first --------------------------------------------------

    [Fact]
    public void Every_problem_in_a_body_is_reported_with_its_own_path()
    {
        const string json = """
            {"resourceType":"Patient","gender":"xx","birthDate":"1985-13-45",
             "name":[{"family":""}],"contact":[{"foo":1}]}
            """;

        var ex = Refuse(json);

        ex.Issues.Select(i => i.ElementPath).Should().Contain(
            ["Patient.gender", "Patient.birthDate", "Patient.name[0].family", "Patient.contact[0].foo"]);
        ex.ElementPath.Should().Be(ex.Issues[0].ElementPath);
        ex.Issues.Should().OnlyContain(i => !string.IsNullOrWhiteSpace(i.Message));
    }

    [Fact]
    public void The_span_overload_refuses_alike()
    {
        var act = () => FhirJson.Parse(System.Text.Encoding.UTF8.GetBytes("""{"resourceType":"Patient","gender":"xx"}"""));

        act.Should().Throw<FhirParseException>().Which.Issues.Should().Contain(i => i.ElementPath == "Patient.gender");
    }

    // ---- FhirParseException itself -----------------------------------------------------------

    [Fact]
    public void A_FhirParseException_built_with_one_message_has_one_issue_at_its_path()
    {
        var ex = new FhirParseException("Expected a Patient.", "resourceType");

        ex.Issues.Should().Equal(new FhirParseIssue("resourceType", "Expected a Patient."));
        ex.ElementPath.Should().Be("resourceType");
        ex.Message.Should().Be("Expected a Patient.");
    }

    [Fact]
    public void A_FhirParseException_without_issues_points_at_the_root()
    {
        var ex = new FhirParseException([]);

        ex.ElementPath.Should().Be("(root)");
        ex.Message.Should().NotBeNullOrWhiteSpace();
    }

    // ---- helpers ------------------------------------------------------------------------------

    private static FhirParseException Refuse(string json)
    {
        var act = () => FhirJson.Parse(json);
        return act.Should().Throw<FhirParseException>().Which;
    }

    private static void AssertRefused(string json, string path)
    {
        var ex = Refuse(json);
        ex.Issues.Select(i => i.ElementPath).Should().Contain(path, "every issue: {0}",
            string.Join("; ", ex.Issues.Select(i => $"{i.ElementPath}: {i.Message}")));
        ex.Issues.Should().OnlyContain(i => !string.IsNullOrWhiteSpace(i.Message));
    }
}
