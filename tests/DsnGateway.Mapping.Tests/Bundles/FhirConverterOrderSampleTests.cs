using System.Text.Json;
using DsnGateway.Fhir.Model;
using Hl7.Fhir.Model;
using DsnGateway.Fhir.Primitives;
using DsnGateway.Hl7v2.Parsing;
using DsnGateway.Mapping.Bundles;
using DsnGateway.Mapping.Codes;
using DsnGateway.Mapping.Establishments;
using DsnGateway.Mapping.Procedures;
using Hl7.Fhir.Utility;

namespace DsnGateway.Mapping.Tests.Bundles;

/// <summary>
/// The FHIR-Converter order, account and charge samples (RDE, ORM, BAR, DFT), mapped with a test registry that
/// onboards their senders, compared with the converter's output on FACTS: the drug code, dose, route, status and
/// order number of the MedicationRequest; the code, time, performers and identifier of each Procedure; the
/// patient's identifier values. The converter emits far more (Medication resources, Encounters, PractitionerRoles);
/// where it reads a field differently from DESIGN.md (its intent is original-order/filler-order, ours order; its
/// Procedure status unknown, ours completed) the difference is asserted explicitly, not ignored.
/// </summary>
public class FhirConverterOrderSampleTests
{
    private static readonly DateTimeOffset Received = new(2024, 1, 1, 12, 0, 0, TimeSpan.Zero);

    // The samples' senders, onboarded under one establishment whose code is the assigning authority of their MRN.
    private static readonly SenderRegistry Senders = SenderConfiguration.Parse("""
        { "establishments": [
            { "code": "TEST1", "name": "Good Health Hospital", "facility": "GHHSFacility",
              "senders": [ { "application": "ADTApp" }, { "application": "BARApp" }, { "application": "IMMAPP" }, { "application": "ORDApp" } ] }
        ] }
        """);

    private static MessageMapping Map(string name)
    {
        var parsed = Hl7Parser.Parse(File.ReadAllBytes(SharedData.Path("hl7v2", "fhir-converter", "samples", name + ".hl7")));
        parsed.IsSuccess.Should().BeTrue(parsed.Error?.ToString());
        var result = new MessageBundleBuilder(Senders, CodeMap.Empty).Build(parsed.Message!, Received);
        result.IsSuccess.Should().BeTrue(result.Error?.ToString());
        Validation.StrictRoundTripTests.AssertRoundTrip(result.Value!.Bundle);
        return result.Value!;
    }

    private static JsonElement Expected(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(SharedData.Path("hl7v2", "fhir-converter", "expected", name + "-expected.json")));
        return doc.RootElement.Clone();
    }

    private static List<JsonElement> Resources(JsonElement bundle, string type) =>
        bundle.GetProperty("entry").EnumerateArray().Select(e => e.GetProperty("resource"))
            .Where(r => r.GetProperty("resourceType").GetString() == type).ToList();

    private static JsonElement ById(JsonElement bundle, string reference)
    {
        var (type, id) = (reference.Split('/')[0], reference.Split('/')[1]);
        return Resources(bundle, type).Single(r => r.GetProperty("id").GetString() == id);
    }

    private static string? Str(JsonElement e, params string[] path)
    {
        foreach (var p in path)
        {
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(p, out e)) return null;
            if (e.ValueKind == JsonValueKind.Array) e = e[0];
        }
        return e.ValueKind == JsonValueKind.String ? e.GetString() : e.ValueKind == JsonValueKind.Number ? e.GetRawText() : null;
    }

    private static IEnumerable<T> Of<T>(MessageMapping mapping) where T : Resource =>
        mapping.Bundle.Entry!.Select(e => e.Resource).OfType<T>();

    private static void PatientIdentifiersAgree(MessageMapping ours, JsonElement expected)
    {
        var values = Resources(expected, "Patient").Single().GetProperty("identifier").EnumerateArray().Select(i => Str(i, "value")).ToHashSet();
        ours.Patient.Identifier!.Select(i => i.Value).Should().OnlyContain(v => values.Contains(v));
        ours.Identity.Key.Should().Be("urn:dsn:mrn:test1|PATID1234");
    }

    [Theory]
    [InlineData("RDE-O11-01")]
    [InlineData("RDE-O25-01")]
    public void RDE_samples_give_the_encoded_order_the_converter_gives(string name)
    {
        var ours = Map(name);
        var expected = Expected(name);
        // The converter emits the requested order (RXO) and the encoded one (RXE, its "filler-order"); an RDE's
        // MedicationRequest is the encoded order, the one the pharmacy dispenses.
        var theirs = Resources(expected, "MedicationRequest").Single(r => Str(r, "intent") == "filler-order");
        var theirMedication = ById(expected, Str(theirs, "medicationReference", "reference")!);

        var request = Of<MedicationRequest>(ours).Single();
        request.Status?.GetLiteral().Should().Be(Str(theirs, "status")).And.Be("active");
        request.Intent.Should().Be(MedicationRequest.MedicationRequestIntent.Order, "DESIGN.md: intent is order");
        request.MedicationCodeableConcept!.Coding!.Single().Code.Should().Be(Str(theirMedication, "code", "coding", "code")).And.Be("0143963401");
        request.MedicationCodeableConcept!.Coding.Single().System.Should().Be("urn:dsn:code:test1:ndc", "an NDC is not ours to translate: it keeps a local system");
        var dose = request.DosageInstruction!.Single().DoseAndRate!.Single().DoseQuantity!;
        dose.Value.Should().Be(decimal.Parse(Str(theirs, "dosageInstruction", "doseAndRate", "doseQuantity", "value")!, System.Globalization.CultureInfo.InvariantCulture));
        dose.Unit.Should().Be(Str(theirs, "dosageInstruction", "doseAndRate", "doseQuantity", "unit")).And.Be("mg/hr");
        request.DosageInstruction![0].Route!.Coding!.Single().Code.Should().Be(Str(theirs, "dosageInstruction", "route", "coding", "code")).And.Be("IV");
        request.DosageInstruction[0].Site!.Coding!.Single().Code.Should().Be(Str(theirs, "dosageInstruction", "site", "coding", "code"));
        request.DosageInstruction[0].Timing!.Code!.Coding!.Single().Code.Should().Be(Str(theirs, "dosageInstruction", "timing", "code", "coding", "code"));
        request.Identifier!.Select(i => i.Value).Should().Equal(Str(theirs, "identifier", "value"));
        request.Identifier![0].System.Should().Be("urn:dsn:order:test1:placer");
        PartialDateTime.Parse(request.AuthoredOn!).Start.Should().Be(PartialDateTime.Parse(Str(theirs, "authoredOn")!).Start);
        request.Subject!.Reference.Should().Be(ours.Bundle.Entry![0].FullUrl);
        ours.Bundle.Entry.Single(e => e.Resource is MedicationRequest).Request!.Url.Should().Be("MedicationRequest?identifier=urn:dsn:order:test1:placer|1163422591");
        ours.Unmapped.Should().ContainSingle(u => u.Code == "0143963401" && u.Kind == CodeKind.Drug);
        PatientIdentifiersAgree(ours, expected);
    }

    [Theory]
    [InlineData("ORM-O01-01")]
    [InlineData("ORM-O01-02")]
    [InlineData("ORM-O01-03")]
    public void ORM_samples_without_RXO_are_non_pharmacy_orders_giving_their_patient_only(string name)
    {
        var ours = Map(name);
        var expected = Expected(name);
        Resources(expected, "MedicationRequest").Should().BeEmpty("the converter sees no medication order either");
        ours.Bundle.Entry!.Select(e => e.Resource!.TypeName).Should().Equal("Patient", "Provenance");
        ours.CarriesDemographics.Should().BeFalse();
        PatientIdentifiersAgree(ours, expected);
    }

    [Theory]
    [InlineData("BAR-P01-01")]
    [InlineData("BAR-P12-01")]
    public void BAR_samples_give_the_procedure_the_converter_gives(string name)
    {
        var ours = Map(name);
        var expected = Expected(name);
        var theirs = Resources(expected, "Procedure").Single(p => Str(p, "code", "coding", "code") is not null);

        var procedure = Of<Procedure>(ours).Single();
        procedure.Code!.Coding!.Single().Code.Should().Be(Str(theirs, "code", "coding", "code")).And.Be("76164006");
        procedure.Code.Coding![0].Display.Should().Be(Str(theirs, "code", "coding", "display"));
        PartialDateTime.Parse(procedure.PerformedPeriod!.Start!).Start.Should().Be(PartialDateTime.Parse(Str(theirs, "performedDateTime")!).Start);
        procedure.PerformedPeriod!.End.Should().Be("2005-01-25T11:42:00+01:00", "PR1-7 gives two minutes");
        procedure.Status.Should().Be(EventStatus.Completed, "DESIGN.md: completed unless the message says otherwise (the converter says unknown)");
        procedure.Identifier!.Single().Should().BeEquivalentTo(new { System = "urn:dsn:procedure:test1", Value = Str(theirs, "identifier", "value") }, o => o.ExcludingMissingMembers());

        var surgeon = theirs.GetProperty("performer").EnumerateArray().Single(p => Str(p, "function", "coding", "code") == "surgeon");
        var theirSurgeon = ById(expected, Str(surgeon, "actor", "reference")!);
        var ourSurgeon = procedure.Performer!.Single(p => p.Function!.Coding![0].Code == ProcedureMapper.SurgeonFunction.Code);
        ourSurgeon.Actor!.Display.Should().Contain(Str(theirSurgeon, "name", "family")!);
        ourSurgeon.Actor.Identifier!.Value.Should().Be("121188");
        var practitioner = theirs.GetProperty("performer").EnumerateArray().Single(p => Str(p, "function", "coding", "code") == "procedure-practitioner");
        procedure.Performer!.Single(p => p.Function!.Coding![0].Code == "PR").Actor!.Display
            .Should().Contain(Str(ById(expected, Str(practitioner, "actor", "reference")!), "name", "family")!);
        PatientIdentifiersAgree(ours, expected);
    }

    [Fact]
    public void The_DFT_sample_gives_its_procedure_at_the_date_it_was_done()
    {
        var ours = Map("DFT-P03-01");
        var expected = Expected("DFT-P03-01");
        var theirs = Resources(expected, "Procedure").Single(p => Str(p, "performedDateTime") is not null);

        var procedure = Of<Procedure>(ours).Single();
        procedure.Code!.Coding!.Single().Code.Should().Be(Str(theirs, "code", "coding", "code")).And.Be("71045");
        procedure.PerformedDateTime.Should().Be(Str(theirs, "performedDateTime")).And.Be("2019-11-22", "a date without a time stays a date");
        // No PR1-19: the key is derived from the visit (PV1-19), the PR1 set id, the code and the time.
        procedure.Identifier!.Single().Should().BeEquivalentTo(new { System = "urn:dsn:procedure:test1:derived", Value = "visit/40007716/1/71045/20191122" }, o => o.ExcludingMissingMembers());
        Of<MedicationRequest>(ours).Should().BeEmpty("a charge message's ORC is not a medication order");
        PatientIdentifiersAgree(ours, expected);
    }
}
