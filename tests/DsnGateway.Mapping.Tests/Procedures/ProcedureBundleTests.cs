using DsnGateway.Fhir.Model;
using Hl7.Fhir.Model;
using DsnGateway.Mapping.Bundles;
using DsnGateway.Mapping.Codes;
using DsnGateway.Mapping.Procedures;
using static DsnGateway.Mapping.Tests.QuebecOrderFixtures;

namespace DsnGateway.Mapping.Tests.Procedures;

/// <summary>PR1 to Procedure in BAR, DFT and ADT messages of the two establishments, field by field, and the AE cases.</summary>
public class ProcedureBundleTests
{
    private static readonly DateTimeOffset Received = new(2024, 7, 16, 13, 0, 0, TimeSpan.Zero);
    private readonly MessageBundleBuilder _builder = new(QuebecFixtures.DefaultSenders(), DefaultCodes());

    private MessageMapping Ok(DsnGateway.Hl7v2.Parsing.Hl7Message message)
    {
        var result = _builder.Build(message, Received);
        result.IsSuccess.Should().BeTrue(result.Error?.ToString());
        Validation.StrictRoundTripTests.AssertRoundTrip(result.Value!.Bundle);
        return result.Value!;
    }

    private static List<Procedure> Procedures(MessageMapping mapping) => mapping.Bundle.Entry!.Select(e => e.Resource).OfType<Procedure>().ToList();

    [Fact]
    public void A_BAR_from_the_MCQ_operating_room_maps_every_field()
    {
        var mapping = Ok(Message("BAR^P12^BAR_P12", "BLOC_MCQ", "MCQ", "OR-1", Pv1,
            Pr1(code: "PTH^Prothèse totale de hanche^BLOCMCQ", description: "", time: "202407160815", minutes: "95",
                practitioner: "55555^Bérubé^Éric^^^Dr^^^CMQ", identifier: "INT-42")));
        var procedure = Procedures(mapping).Single();

        procedure.Status.Should().Be(EventStatus.Completed);
        procedure.Code!.Coding!.Select(c => (c.System, c.Code)).Should().Equal((CodeSystems.Cci, "1.VA.53.LA-PN"), ("urn:dsn:code:mcq:blocmcq", "PTH"));
        procedure.Code.Text.Should().Be("Prothèse totale de hanche");
        procedure.PerformedPeriod.Should().BeEquivalentTo(new Period { Start = "2024-07-16T08:15:00-04:00", End = "2024-07-16T09:50:00-04:00" });
        procedure.PerformedDateTime.Should().BeNull();
        procedure.Performer!.Select(p => (p.Function!.Coding![0].System, p.Function.Coding[0].Code, p.Actor!.Identifier!.Value, p.Actor.Display)).Should().Equal(
            ("http://snomed.info/sct", "304292004", "67890", "Dre Hélène Lévesque"),
            ("http://terminology.hl7.org/CodeSystem/v2-0133", "PR", "55555", "Dr Éric Bérubé"));
        procedure.Identifier!.Single().Should().BeEquivalentTo(new Identifier { System = "urn:dsn:procedure:mcq", Value = "INT-42" });
        procedure.Subject!.Reference.Should().Be(mapping.Bundle.Entry![0].FullUrl);
        mapping.Bundle.Entry!.Select(e => e.Request!.Method + " " + e.Request.Url).Should().Equal(
            "PUT Patient?identifier=https://fhir.infoway-inforoute.ca/NamingSystem/ca-qc-patient-healthcare-id|COTM85561512",
            "PUT Procedure?identifier=urn:dsn:procedure:mcq|INT-42",
            $"PUT Provenance/{mapping.Bundle.Entry![2].FullUrl!["urn:uuid:".Length..]}");
        mapping.CarriesDemographics.Should().BeFalse();
        mapping.Unmapped.Should().BeEmpty();
    }

    [Fact]
    public void Without_PR1_19_the_key_is_the_visit_the_set_id_the_code_and_the_time()
    {
        var procedures = Procedures(Ok(Message("BAR^P01^BAR_P01", "BLOC_NIM", "NIM", "OR-2", Pv1, Pr1(setId: "1"), Pr1(setId: "2", code: "CHOLLAP^Cholécystectomie^BLOCNIM", time: ""))));
        procedures.Select(p => p.Identifier!.Single().Value).Should().Equal("visit/V-778899/1/APPLAP/20240716081500", "visit/V-778899/2/CHOLLAP");
        procedures.Should().OnlyContain(p => p.Identifier![0].System == "urn:dsn:procedure:nim:derived");
        procedures[0].PerformedDateTime.Should().Be("2024-07-16T08:15:00-04:00");
    }

    [Fact]
    public void PR1s_repeating_set_id_1_are_distinct_procedures_when_their_code_or_time_differ()
    {
        var mapping = Ok(Message("DFT^P03^DFT_P03", "BLOC_NIM", "NIM", "OR-12", Pv1,
            Pr1(setId: "1"),
            Pr1(setId: "1", code: "CHOLLAP^Cholécystectomie^BLOCNIM"),
            Pr1(setId: "1", time: "20240716143000"),
            Pr1(setId: "1", minutes: "45")));

        var procedures = Procedures(mapping);
        procedures.Select(p => p.Identifier!.Single().Value).Should().Equal(
            "visit/V-778899/1/APPLAP/20240716081500", "visit/V-778899/1/CHOLLAP/20240716081500", "visit/V-778899/1/APPLAP/20240716143000");
        procedures[0].PerformedPeriod.Should().NotBeNull("the same code at the same time is the same procedure: the last statement wins");
        procedures.Select(p => p.Code!.Coding![^1].Code).Should().Equal("APPLAP", "CHOLLAP", "APPLAP");
        mapping.Bundle.Entry!.Select(e => e.FullUrl).Should().OnlyHaveUniqueItems();
    }

    [Fact]
    public void A_procedure_stored_under_the_former_key_is_matched_by_the_last_PR1_of_that_set_id_and_of_its_code_only()
    {
        const string Derived = "urn:dsn:procedure:nim:derived";
        var mapping = Ok(Message("BAR^P01^BAR_P01", "BLOC_NIM", "NIM", "OR-13", Pv1,
            Pr1(setId: "1"), Pr1(setId: "1", code: "CHOLLAP^Cholécystectomie^BLOCNIM"), Pr1(setId: "2", code: "1.NT.89.DA^Appendicectomie^CCI"), Pr1(setId: "", identifier: "P-7")));

        // Earlier versions keyed these on visit/<visit>/<set id> and kept the last PR1 of each: that PR1 (and only it)
        // takes over a Procedure still holding the former key, when it has the same code.
        mapping.Bundle.Entry!.Where(e => e.Resource is Procedure).Select(e => e.Request!.Url).Should().Equal(
            $"Procedure?identifier={Derived}|visit%2FV-778899%2F1%2FAPPLAP%2F20240716081500",
            $"Procedure?identifier={Derived}|visit%2FV-778899%2F1%2FCHOLLAP%2F20240716081500,{Derived}|visit%2FV-778899%2F1&code=urn%3Adsn%3Acode%3Anim%3Ablocnim|CHOLLAP",
            $"Procedure?identifier={Derived}|visit%2FV-778899%2F2%2F1.NT.89.DA%2F20240716081500,{Derived}|visit%2FV-778899%2F2&code=https%3A%2F%2Ffhir.infoway-inforoute.ca%2FCodeSystem%2Fcci|1.NT.89.DA",
            "Procedure?identifier=urn:dsn:procedure:nim|P-7");
        Procedures(mapping).Should().OnlyContain(p => p.Identifier!.Count == 1, "the former key is matched, never written again");

        // Without a visit the key already held the code and the time: nothing to match by another form.
        Ok(Message("DFT^P03^DFT_P03", "BLOC_NIM", "NIM", "OR-14", Pr1())).Bundle.Entry!.Single(e => e.Resource is Procedure).Request!.Url
            .Should().Be("Procedure?identifier=urn:dsn:procedure:nim:derived|patient%2FCOTM85561512%2FAPPLAP%2F20240716081500");
    }

    [Fact]
    public void The_NTE_after_a_PR1_are_its_notes_one_annotation_each_with_escapes_decoded_and_repetitions_as_lines()
    {
        var mapping = Ok(Message("BAR^P01^BAR_P01", "BLOC_NIM", "NIM", "OR-15", "NTE|1||Note sur le patient, jamais sur une intervention", Pv1,
            Pr1(setId: "1"),
            @"NTE|1|P|Conversion en laparotomie \T\ drain\.br\Pansement à J+2   ~Dose 5^10 mg de morphine~|RE",
            "NTE|2|P|",
            "NTE|3|P|\"\"",
            @"NTE|4|P|Saignement \F\ minime",
            Pr1(setId: "2", code: "CHOLLAP^Cholécystectomie^BLOCNIM"),
            "ROL|1|AD|SURG|67890^Lévesque^Hélène",
            "NTE|1|P|Note du rôle, pas de l'intervention"));

        var procedures = Procedures(mapping);
        procedures[0].Note!.Select(n => n.Text).Should().Equal(
            "Conversion en laparotomie & drain\nPansement à J+2\nDose 5^10 mg de morphine",
            "Saignement | minime");
        procedures[1].Note.Should().BeEmpty("an NTE after another segment (here a ROL) is not the procedure's");
        mapping.Patient.Should().NotBeNull();
        DsnGateway.Fhir.Serialization.FhirJson.Serialize(mapping.Bundle).Should().NotContain("jamais sur une intervention", "an NTE after the PID is not mapped");
    }

    [Fact]
    public void Without_a_visit_the_key_is_the_patient_the_code_and_the_time_and_without_a_time_it_is_101()
    {
        var procedure = Procedures(Ok(Message("DFT^P03^DFT_P03", "BLOC_NIM", "NIM", "OR-3", Pr1(setId: "")))).Single();
        procedure.Identifier!.Single().Value.Should().Be("patient/COTM85561512/APPLAP/20240716081500");
        var error = _builder.Build(Message("DFT^P03^DFT_P03", "BLOC_NIM", "NIM", "OR-4", Pr1(time: "")), Received).Error!;
        error.Code.Should().Be(101);
        error.Location!.Field.Should().Be(19);
    }

    [Fact]
    public void A_local_code_without_a_map_is_reported_and_PR1_4_is_its_display()
    {
        var mapping = Ok(Message("BAR^P05^BAR_P05", "BLOC_NIM", "NIM", "OR-5", Pv1, Pr1(code: "ZZ99", description: "Drainage d'abcès", identifier: "P-1")));
        Procedures(mapping).Single().Code!.Coding!.Single().Should().BeEquivalentTo(new Coding { System = "urn:dsn:code:nim:local", Code = "ZZ99", Display = "Drainage d'abcès" });
        mapping.Unmapped.Should().Equal(new UnmappedCode("NIM", CodeKind.Procedure, "urn:dsn:code:nim:local", "ZZ99", "Drainage d'abcès"));
    }

    [Fact]
    public void A_CCI_code_is_taken_as_sent_and_PR1_20_D_is_entered_in_error()
    {
        var procedure = Procedures(Ok(Message("BAR^P01^BAR_P01", "BLOC_NIM", "NIM", "OR-6", Pv1, Pr1(code: "1.NT.89.DA^Appendicectomie^CCI", action: "D")))).Single();
        procedure.Code!.Coding!.Single().System.Should().Be(CodeSystems.Cci);
        procedure.Status.Should().Be(EventStatus.EnteredInError);
    }

    [Fact]
    public void PR1_in_an_ADT_A01_gives_a_procedure_beside_the_patient_whose_demographics_it_carries()
    {
        var mapping = Ok(QuebecFixtures.Parse(QuebecFixtures.MarieA01() + Pr1(identifier: "ADT-PR-1") + "\r"));
        mapping.CarriesDemographics.Should().BeTrue();
        mapping.Bundle.Entry!.Select(e => e.Resource!.TypeName).Should().Equal("Patient", "Procedure", "Provenance");
        Procedures(mapping).Single().Code!.Coding![0].Code.Should().Be("1.NT.89.DA");
    }

    [Theory]
    [InlineData("A04")]
    [InlineData("A08")]
    [InlineData("A03")]
    [InlineData("A31")]
    public void Every_ADT_type_maps_its_PR1(string trigger)
    {
        Procedures(Ok(QuebecFixtures.Parse(QuebecFixtures.MarieA01(trigger) + Pr1(identifier: "X-" + trigger) + "\r"))).Should().ContainSingle();
    }

    [Fact]
    public void The_same_PR1_twice_in_one_message_is_written_once_as_last_stated()
    {
        var procedures = Procedures(Ok(Message("BAR^P01^BAR_P01", "BLOC_NIM", "NIM", "OR-7", Pv1, Pr1(identifier: "P-9", minutes: ""), Pr1(identifier: "P-9", minutes: "30"))));
        procedures.Single().PerformedPeriod.Should().NotBeNull();
    }

    [Theory]
    [InlineData("BAR^P01^BAR_P01", 100, "PR1")]
    [InlineData("DFT^P03^DFT_P03", 100, "PR1")]
    public void BAR_and_DFT_without_PR1_are_100(string type, int code, string segment)
    {
        var error = _builder.Build(Message(type, "BLOC_NIM", "NIM", "OR-8", Pv1), Received).Error!;
        error.Code.Should().Be(code);
        error.Location!.Segment.Should().Be(segment);
    }

    [Theory]
    [InlineData("PR1|1||||20240716", 101, 3)]
    [InlineData("PR1|1||APPLAP||2024-07-16", 102, 5)]
    [InlineData("PR1|1||APPLAP||20240716||une heure", 102, 7)]
    public void Bad_PR1_content_is_an_AE_naming_the_field(string pr1, int code, int field)
    {
        var error = _builder.Build(Message("BAR^P01^BAR_P01", "BLOC_NIM", "NIM", "OR-9", Pv1, pr1), Received).Error!;
        error.Code.Should().Be(code, error.ToString());
        error.Location!.Field.Should().Be(field);
    }

    [Fact]
    public void An_unsupported_trigger_is_201()
    {
        _builder.Build(Message("BAR^P02^BAR_P02", "BLOC_NIM", "NIM", "OR-10", Pv1, Pr1()), Received).Error!.Code.Should().Be(201);
        _builder.Build(Message("RAS^O17^RAS_O17", "PHARM_NIM", "NIM", "OR-11", Orc()), Received).Error!.Code.Should().Be(200);
    }
}
