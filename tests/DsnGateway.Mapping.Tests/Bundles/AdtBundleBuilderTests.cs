using DsnGateway.Fhir.Model;
using Hl7.Fhir.Model;
using DsnGateway.Fhir.Serialization;
using DsnGateway.Hl7v2;
using DsnGateway.Mapping.Bundles;
using DsnGateway.Mapping.Patients;
using static DsnGateway.Mapping.Tests.QuebecFixtures;

namespace DsnGateway.Mapping.Tests.Bundles;

public class AdtBundleBuilderTests
{
    private const string NamSystem = "https://fhir.infoway-inforoute.ca/NamingSystem/ca-qc-patient-healthcare-id";
    private static readonly DateTimeOffset Received = new(2024, 7, 15, 14, 30, 5, TimeSpan.Zero);
    private readonly AdtBundleBuilder _builder = new(DefaultSenders());

    private MessageMapping Ok(string er7)
    {
        var result = _builder.Build(Parse(er7), Received);
        result.IsSuccess.Should().BeTrue(result.Error?.ToString());
        Validation.StrictRoundTripTests.AssertRoundTrip(result.Value!.Bundle);
        return result.Value!;
    }

    private MappingError Error(string er7)
    {
        var result = _builder.Build(Parse(er7), Received);
        result.IsSuccess.Should().BeFalse();
        return result.Error!;
    }

    [Fact]
    public void A01_is_a_transaction_with_a_conditional_PUT_of_the_Patient_by_NAM_and_a_Provenance()
    {
        var mapping = Ok(MarieA01());

        mapping.Bundle.Type.Should().Be(Bundle.BundleType.Transaction);
        mapping.Bundle.Entry.Should().HaveCount(2);
        var patientEntry = mapping.Bundle.Entry![0];
        patientEntry.Resource.Should().BeOfType<Patient>().And.BeSameAs(mapping.Patient);
        patientEntry.Request!.Method.Should().Be(Bundle.HTTPVerb.PUT);
        patientEntry.Request.Url.Should().Be($"Patient?identifier={NamSystem}|{MarieNam}");
        patientEntry.FullUrl.Should().StartWith("urn:uuid:");
        mapping.Identity.Should().Be(new PatientIdentity(PatientIdentityKind.Nam, NamSystem, MarieNam));
        mapping.Identity.Key.Should().Be($"{NamSystem}|{MarieNam}");

        var provenanceEntry = mapping.Bundle.Entry[1];
        // Written under an id of its own, derived from the message: a redelivery writes the same Provenance again.
        var provenanceId = provenanceEntry.FullUrl!["urn:uuid:".Length..];
        provenanceEntry.Request!.Method.Should().Be(Bundle.HTTPVerb.PUT);
        provenanceEntry.Request.Url.Should().Be($"Provenance/{provenanceId}");
        provenanceEntry.Resource.Should().BeOfType<Provenance>().Which.Id.Should().Be(provenanceId);
        Ok(MarieA01()).Bundle.Entry![1].Request!.Url.Should().Be($"Provenance/{provenanceId}", "the same message maps to the same Provenance id");
    }

    [Fact]
    public void Provenance_names_the_establishment_the_application_the_control_id_MSH_7_and_the_receive_time()
    {
        var mapping = Ok(MarieA01());
        var provenance = (Provenance)mapping.Bundle.Entry![1].Resource!;

        provenance.Target!.Single().Reference.Should().Be(mapping.Bundle.Entry[0].FullUrl);
        provenance.Recorded.Should().Be(Received);
        provenance.Recorded!.Value.Offset.Should().Be(TimeSpan.Zero, "the receive time is recorded in UTC");
        provenance.OccurredDateTime.Should().Be("2024-07-15T10:30:00-04:00");
        provenance.Activity!.Coding!.Single().Code.Should().Be("A01");
        var organization = provenance.Agent!.Single(a => a.Who!.Type == "Organization").Who!;
        organization.Identifier!.System.Should().Be("urn:dsn:establishment");
        organization.Identifier.Value.Should().Be("NIM");
        provenance.Agent!.Single(a => a.Who!.Type == "Device").Who!.Display.Should().Be("ADT_NIM");
        var what = provenance.Entity!.Single().What!.Identifier!;
        what.System.Should().Be("urn:dsn:hl7v2:control-id:nim");
        what.Value.Should().Be("NIM-0001");
        provenance.Signature.Should().BeEmpty();

        mapping.SourceTime.Should().Be(new DateTimeOffset(2024, 7, 15, 10, 30, 0, TimeSpan.FromHours(-4)));
        mapping.Source.ControlId.Should().Be("NIM-0001");
        mapping.Source.Sender.Application.Should().Be("ADT_NIM");
    }

    [Fact]
    public void A08_builds_the_same_conditional_PUT_and_the_same_patient()
    {
        var admit = Ok(MarieA01());
        var update = Ok(MarieA01("A08", "NIM-0002", "20240716090000"));

        update.Bundle.Entry![0].Request!.Url.Should().Be(admit.Bundle.Entry![0].Request!.Url);
        update.Identity.Should().Be(admit.Identity);
        FhirJson.Serialize(update.Patient).Should().Be(FhirJson.Serialize(admit.Patient));
        update.SourceTime.Should().BeAfter(admit.SourceTime);
    }

    [Fact]
    public void Without_a_NAM_the_patient_is_updated_by_the_MRN_of_the_sender()
    {
        var mapping = Ok(MarieA01(pid: "PID|1||998877^^^MCQ^MR~1234567^^^NIM^MR||Côté^Marie||19850615|F"));

        mapping.Identity.Kind.Should().Be(PatientIdentityKind.Mrn);
        mapping.Bundle.Entry![0].Request!.Url.Should().Be("Patient?identifier=urn:dsn:mrn:nim|1234567");
    }

    [Fact]
    public void Mapping_the_same_message_twice_gives_the_same_bundle()
    {
        FhirJson.Serialize(Ok(MarieA01()).Bundle).Should().Be(FhirJson.Serialize(Ok(MarieA01()).Bundle));
        Ok(MarieA01()).Bundle.Entry![0].FullUrl.Should().NotBe(Ok(MarieA01(controlId: "NIM-0009")).Bundle.Entry![0].FullUrl);
    }

    [Fact]
    public void An_ISO_8859_1_A04_from_MCQ_maps_with_its_accents_and_death_in_winter()
    {
        var result = _builder.Build(Parse(Latin1Bytes(JeanA04Latin1Text("20240115143000"))), Received);

        result.IsSuccess.Should().BeTrue(result.Error?.ToString());
        result.Value!.Patient.Name![0].Family.Should().Be("Bélanger");
        result.Value.Patient.DeceasedDateTime.Should().Be("2024-01-15T14:30:00-05:00");
        result.Value.Bundle.Entry![0].Request!.Url.Should().Be($"Patient?identifier={NamSystem}|{JeanNam}");
        result.Value.SourceTime.Offset.Should().Be(TimeSpan.FromHours(-5));
    }

    [Theory]
    [InlineData("A01")]
    [InlineData("A04")]
    [InlineData("A05")]
    [InlineData("A08")]
    [InlineData("A28")]
    [InlineData("A31")]
    [InlineData("A02")]
    [InlineData("A03")]
    [InlineData("A11")]
    [InlineData("A13")]
    public void Every_supported_trigger_maps_its_PID(string trigger)
    {
        Ok(MarieA01(trigger)).Patient.Name![0].Family.Should().Be("Côté");
    }

    [Theory]
    [InlineData("A47", 201)]
    [InlineData("", 201)]
    public void Other_triggers_are_201(string trigger, int code)
    {
        var error = Error(MarieA01(trigger));

        error.Code.Should().Be(code);
        error.Location!.ToString().Should().Be("MSH(1)-9.2");
    }

    /// <summary>A40: PID is Marie (the survivor), MRG-1 the NIM MRN (and an other id) of the record merged away.</summary>
    private static string MarieA40(string mrg = "MRG|7654321^^^NIM^MR~111^^^LAB^PI") =>
        MarieA01("A40").Replace("\rPV1|1|I|MED^301^1^NIM||||12345^Gagnon^Luc^^^Dr^^^CMQ\r", "\r") + (mrg.Length == 0 ? "" : mrg + "\r");

    [Fact]
    public void A40_carries_the_survivor_as_a_conditional_PUT_and_the_merged_record_by_its_MRG_identifiers()
    {
        var mapping = Ok(MarieA40());

        mapping.Bundle.Entry.Should().HaveCount(3);
        var survivor = mapping.Bundle.Entry![0];
        var merged = mapping.Bundle.Entry[1];
        survivor.Resource.Should().BeSameAs(mapping.Patient);
        survivor.Request!.Method.Should().Be(Bundle.HTTPVerb.PUT);
        survivor.Request.Url.Should().Be($"Patient?identifier={NamSystem}|{MarieNam}");
        mapping.Identity.Key.Should().Be($"{NamSystem}|{MarieNam}", "the survivor orders the delivery");
        mapping.Patient.Link.Should().ContainSingle().Which.Should().Match<Patient.LinkComponent>(l => l.Type == Patient.LinkType.Replaces && l.Other!.Reference == merged.FullUrl);
        mapping.Patient.Identifier.Should().NotContain(i => i.Value == "7654321", "delivery moves the merged identifiers once it has found the record");

        merged.FullUrl.Should().StartWith("urn:uuid:").And.NotBe(survivor.FullUrl);
        merged.Request!.Method.Should().Be(Bundle.HTTPVerb.PUT);
        merged.Request.Url.Should().Be("Patient?identifier=urn:dsn:mrn:nim|7654321");
        var retired = (Patient)merged.Resource!;
        retired.Active.Should().BeFalse();
        retired.Link.Should().ContainSingle().Which.Should().Match<Patient.LinkComponent>(l => l.Type == Patient.LinkType.ReplacedBy && l.Other!.Reference == survivor.FullUrl);
        retired.Identifier.Should().ContainSingle("only a NAM or an MRN finds the merged record")
            .Which.Should().Match<Identifier>(i => i.System == "urn:dsn:mrn:nim" && i.Value == "7654321");
        AdtBundleBuilder.IsMergedRecord(retired).Should().BeTrue();
        AdtBundleBuilder.IsMergedRecord(mapping.Patient).Should().BeFalse();
        mapping.Merged.Should().Be(new PatientIdentity(PatientIdentityKind.Mrn, "urn:dsn:mrn:nim", "7654321"));

        var provenance = (Provenance)mapping.Bundle.Entry[2].Resource!;
        provenance.Target!.Select(t => t.Reference).Should().Equal(survivor.FullUrl, merged.FullUrl);
        provenance.Activity!.Coding!.Single().Code.Should().Be("A40");
        FhirJson.Serialize(Ok(MarieA40()).Bundle).Should().Be(FhirJson.Serialize(mapping.Bundle), "mapping is deterministic");
    }

    [Fact]
    public void A40_reads_MRG_1_by_the_PID_3_rules_a_NAM_included()
    {
        var mapping = Ok(MarieA40($"MRG|{JeanNam}^^^RAMQ^JHN~4242^^^MCQ^MR"));

        var retired = (Patient)mapping.Bundle.Entry![1].Resource!;
        retired.Identifier!.Select(i => $"{i.System}|{i.Value}").Should().Equal($"{NamSystem}|{JeanNam}", "urn:dsn:mrn:mcq|4242");
        mapping.Bundle.Entry[1].Request!.Url.Should().Be($"Patient?identifier={NamSystem}|{JeanNam}");
    }

    [Fact]
    public void A40_without_MRG_is_100_with_an_empty_MRG_1_is_101()
    {
        Error(MarieA40("")).Should().Match<MappingError>(e => e.Code == Hl7ErrorCodes.SegmentSequenceError && e.Location!.Segment == "MRG");
        Error(MarieA40("MRG|")).Should().Match<MappingError>(e => e.Code == Hl7ErrorCodes.RequiredFieldMissing && e.Location!.ToString() == "MRG(1)-1");
        Error(MarieA40("MRG|||4444")).Code.Should().Be(Hl7ErrorCodes.RequiredFieldMissing);
        Error(MarieA40("MRG|111^^^LAB^PI")).Code.Should().Be(Hl7ErrorCodes.RequiredFieldMissing, "an MRG-1 with neither a NAM nor an MRN finds nothing");
        Error(MarieA40("MRG|ABCD1234^^^RAMQ^JHN")).Code.Should().Be(Hl7ErrorCodes.DataTypeError, "a malformed NAM is refused as in PID-3");
    }

    /// <summary>A40 with a second group: Jean (PID) absorbs the record of MRN 4242 at MCQ.</summary>
    private static string TwoGroupA40(string secondMrg = "MRG|4242^^^MCQ^MR") =>
        MarieA40() + $"PID|2||{JeanNam}^^^RAMQ^JHN~8888^^^NIM^MR||Bélanger^Jean||19721103|M\r" + (secondMrg.Length == 0 ? "" : secondMrg + "\r");

    [Fact]
    public void A40_with_two_groups_carries_every_pair_in_order_in_one_transaction()
    {
        var mapping = Ok(TwoGroupA40());

        mapping.Bundle.Entry.Should().HaveCount(5);
        var (marie, marieMerged, jean, jeanMerged) = (mapping.Bundle.Entry![0], mapping.Bundle.Entry[1], mapping.Bundle.Entry[2], mapping.Bundle.Entry[3]);
        marie.Request!.Url.Should().Be($"Patient?identifier={NamSystem}|{MarieNam}");
        marieMerged.Request!.Url.Should().Be("Patient?identifier=urn:dsn:mrn:nim|7654321");
        jean.Request!.Url.Should().Be($"Patient?identifier={NamSystem}|{JeanNam}");
        jeanMerged.Request!.Url.Should().Be("Patient?identifier=urn:dsn:mrn:mcq|4242");
        ((Patient)jean.Resource!).Name![0].Family.Should().Be("Bélanger");
        ((Patient)jean.Resource).Link.Should().ContainSingle().Which.Other!.Reference.Should().Be(jeanMerged.FullUrl);
        ((Patient)jeanMerged.Resource!).Link.Should().ContainSingle().Which.Should().Match<Patient.LinkComponent>(l => l.Type == Patient.LinkType.ReplacedBy && l.Other!.Reference == jean.FullUrl);
        AdtBundleBuilder.IsMergedRecord((Patient)jeanMerged.Resource).Should().BeTrue();
        mapping.Bundle.Entry.Select(e => e.FullUrl).Should().OnlyHaveUniqueItems();
        ((Provenance)mapping.Bundle.Entry[4].Resource!).Target!.Select(t => t.Reference)
            .Should().Equal(marie.FullUrl, marieMerged.FullUrl, jean.FullUrl, jeanMerged.FullUrl);
        mapping.Identity.Key.Should().Be($"{NamSystem}|{MarieNam}", "the first survivor orders the delivery");
    }

    [Fact]
    public void A40_errors_of_a_later_group_name_the_group_and_its_segment()
    {
        var missing = Error(TwoGroupA40(""));
        missing.Code.Should().Be(Hl7ErrorCodes.SegmentSequenceError);
        missing.Location!.Segment.Should().Be("MRG");
        missing.Message.Should().StartWith("group 2: ");

        var malformed = Error(TwoGroupA40("MRG|ABCD1234^^^RAMQ^JHN"));
        malformed.Code.Should().Be(Hl7ErrorCodes.DataTypeError);
        malformed.Location!.ToString().Should().StartWith("MRG(2)-1");
        malformed.Message.Should().StartWith("group 2: ");

        var empty = Error(TwoGroupA40("MRG|"));
        empty.Should().Match<MappingError>(e => e.Code == Hl7ErrorCodes.RequiredFieldMissing && e.Location!.ToString() == "MRG(2)-1");

        var badPid = Error(TwoGroupA40().Replace($"PID|2||{JeanNam}^^^RAMQ^JHN~8888^^^NIM^MR", "PID|2||"));
        badPid.Should().Match<MappingError>(e => e.Code == Hl7ErrorCodes.RequiredFieldMissing && e.Location!.ToString() == "PID(2)-3");
        badPid.Message.Should().StartWith("group 2: ");
    }

    [Fact]
    public void A40_without_PV1_is_accepted()
    {
        Ok(MarieA40()).Bundle.Entry.Should().HaveCount(3);
    }

    [Fact]
    public void Errors_of_the_envelope_and_content_have_their_codes()
    {
        Error(MarieA01().Replace("ADT^A01^ADT_A01", "ORU^R01")).Code.Should().Be(Hl7ErrorCodes.UnsupportedMessageType);
        Error(MarieA01().Replace("ADT_NIM|NIM", "ADT_NIM|MCQ")).Code.Should().Be(Hl7ErrorCodes.UnknownKeyIdentifier);
        Error(MarieA01(controlId: "")).Code.Should().Be(Hl7ErrorCodes.RequiredFieldMissing);
        Error(MarieA01(msh7: "")).Should().Match<MappingError>(e => e.Code == 101 && e.Location!.ToString() == "MSH(1)-7");
        Error(MarieA01(msh7: "2024-07-15")).Code.Should().Be(Hl7ErrorCodes.DataTypeError);
        var noPv1 = MarieA01().Split('\r').Where(s => !s.StartsWith("PV1", StringComparison.Ordinal));
        Error(string.Join('\r', noPv1)).Should().Match<MappingError>(e => e.Code == 100 && e.Location!.Segment == "PV1");
        var noPid = MarieA01("A31").Split('\r').Where(s => !s.StartsWith("PID", StringComparison.Ordinal));
        Error(string.Join('\r', noPid)).Should().Match<MappingError>(e => e.Code == 100 && e.Location!.Segment == "PID");
        Error(MarieA01(pid: "PID|1||COTM85561512^^^RAMQ||Côté^Marie||19850615|M")).Code.Should().Be(102);
        Error(MarieA01(pid: "PID|1||55555^^^LAB||Côté^Marie||19850615|F")).Code.Should().Be(101);
    }

    [Fact]
    public void A_sender_narrowed_to_other_types_gets_200()
    {
        var senders = DsnGateway.Mapping.Establishments.SenderConfiguration.Parse("""
            { "establishments": [ { "code": "NIM", "senders": [ { "application": "ADT_NIM", "messageTypes": ["ADT^A08"] } ] } ] }
            """);
        var builder = new AdtBundleBuilder(senders);

        builder.Build(Parse(MarieA01("A01")), Received).Error!.Code.Should().Be(200);
        builder.Build(Parse(MarieA01("A08")), Received).IsSuccess.Should().BeTrue();
    }

    [Fact]
    public void The_bundle_serializes_as_FHIR_JSON()
    {
        var json = FhirJson.Serialize(Ok(MarieA01()).Bundle);

        json.Should().Contain("\"resourceType\":\"Bundle\"").And.Contain("\"resourceType\":\"Provenance\"").And.Contain("Côté");
        FhirJson.Parse<Bundle>(json).Entry.Should().HaveCount(2);
    }
}
