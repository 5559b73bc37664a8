using DsnGateway.Fhir.Model;
using Hl7.Fhir.Model;
using DsnGateway.Mapping.Bundles;
using DsnGateway.Mapping.Codes;
using DsnGateway.Mapping.Orders;
using Hl7.Fhir.Utility;
using static DsnGateway.Mapping.Tests.QuebecOrderFixtures;

namespace DsnGateway.Mapping.Tests.Orders;

/// <summary>Pharmacy orders of the two establishments to MedicationRequest, field by field, and every AE case.</summary>
public class OrderBundleBuilderTests
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

    private MappingError Refused(DsnGateway.Hl7v2.Parsing.Hl7Message message)
    {
        var result = _builder.Build(message, Received);
        result.IsSuccess.Should().BeFalse();
        return result.Error!;
    }

    private static MedicationRequest Single(MessageMapping mapping) => mapping.Bundle.Entry!.Select(e => e.Resource).OfType<MedicationRequest>().Single();

    [Fact]
    public void The_same_order_twice_in_one_message_is_written_once_as_last_stated()
    {
        var mapping = Ok(Message("RDE^O11^RDE_O11", "PHARM_NIM", "NIM", "RX-0002", Pv1,
            Orc(status: "IP"), Rxe(), Orc(control: "XO", status: "HD"), Rxe(minimum: "250", maximum: "500")));

        var request = Single(mapping);
        request.Status.Should().Be(MedicationRequest.MedicationrequestStatus.OnHold);
        request.DosageInstruction!.Single().DoseAndRate!.Single().DoseRange!.Low!.Value.Should().Be(250);
        mapping.Bundle.Entry!.Select(e => e.Request!.Url).Should().ContainSingle(u => u.StartsWith("MedicationRequest", StringComparison.Ordinal));
    }

    [Fact]
    public void An_RDE_from_the_NIM_pharmacy_maps_every_field()
    {
        var mapping = Ok(Message("RDE^O11^RDE_O11", "PHARM_NIM", "NIM", "RX-0001", Pv1, Orc(), "TQ1|1||BID", Rxe(), "RXR|PO^Orale^HL70162|BD^Bras droit|"));
        var request = Single(mapping);

        request.Status.Should().Be(MedicationRequest.MedicationrequestStatus.Active);
        request.Intent.Should().Be(MedicationRequest.MedicationRequestIntent.Order);
        request.MedicationCodeableConcept!.Coding!.Select(c => (c.System, c.Code)).Should().Equal(
            (CodeSystems.Din, "02229873"), ("urn:dsn:code:nim:pharmnim", "ACET500"));
        request.MedicationCodeableConcept!.Text.Should().Be("Acétaminophène 500 mg");
        var dose = request.DosageInstruction!.Single().DoseAndRate!.Single().DoseRange!;
        dose.Low.Should().BeEquivalentTo(new Quantity { Value = 500, Unit = "milligramme", System = "http://unitsofmeasure.org", Code = "mg" });
        dose.High!.Value.Should().Be(1000);
        var dosage = request.DosageInstruction![0];
        dosage.Route!.Coding!.Single().Should().BeEquivalentTo(new Coding { System = "http://terminology.hl7.org/CodeSystem/v2-0162", Code = "PO", Display = "Orale" });
        dosage.Site!.Coding!.Single().System.Should().Be("http://terminology.hl7.org/CodeSystem/v2-0163");
        dosage.Timing!.Repeat!.Frequency.Should().Be(2);
        dosage.Timing.Repeat.Period.Should().Be(1);
        dosage.Timing!.Repeat!.PeriodUnit.Should().Be(Timing.UnitsOfTime.D);
        dosage.Text.Should().Be("BID");
        request.AuthoredOn.Should().Be("2024-07-16T08:50:00-04:00", "RXE-32 first, in Montréal's summer time");
        request.Requester!.Identifier.Should().BeEquivalentTo(new Identifier { System = "urn:dsn:licence:cmq", Value = "12345" });
        request.Identifier!.Select(i => (i.System, i.Value)).Should().Equal(("urn:dsn:order:nim:placer", "CMD-1001"), ("urn:dsn:order:nim:filler", "RX-2001"));

        var entries = mapping.Bundle.Entry!;
        entries.Select(e => e.Request!.Method + " " + e.Request.Url).Should().Equal(
            "PUT Patient?identifier=https://fhir.infoway-inforoute.ca/NamingSystem/ca-qc-patient-healthcare-id|COTM85561512",
            "PUT MedicationRequest?identifier=urn:dsn:order:nim:placer|CMD-1001",
            $"PUT Provenance/{entries[2].FullUrl!["urn:uuid:".Length..]}");
        entries.Should().OnlyContain(e => e.FullUrl!.StartsWith("urn:uuid:"));
        request.Subject!.Reference.Should().Be(entries[0].FullUrl);
        ((Provenance)entries[2].Resource!).Target!.Select(t => t.Reference).Should().Equal(entries[0].FullUrl, entries[1].FullUrl);
        mapping.Unmapped.Should().BeEmpty();
        mapping.CarriesDemographics.Should().BeFalse("an order's PID never replaces the ADT feed's demographics");
        Ok(Message("RDE^O11^RDE_O11", "PHARM_NIM", "NIM", "RX-0001", Pv1, Orc(), "TQ1|1||BID", Rxe(), "RXR|PO^Orale^HL70162|BD^Bras droit|"))
            .Bundle.Entry!.Select(e => e.FullUrl).Should().Equal(entries.Select(e => e.FullUrl), "the same message maps to the same fullUrls");
    }

    [Fact]
    public void Without_RXE_32_authoredOn_is_ORC_9_in_the_establishment_zone_and_one_dose_is_a_quantity()
    {
        var request = Single(Ok(Message("RDE^O25^RDE_O25", "PHARM_MCQ", "MCQ", "M-1", Orc(transactionTime: "202401151030"),
            Rxe(drug: "02238830^Amoxicilline^DIN", minimum: "250", maximum: "250", units: "mg", originalOrderTime: ""))));
        request.AuthoredOn.Should().Be("2024-01-15T10:30:00-05:00");
        request.DosageInstruction![0].DoseAndRate!.Single().DoseQuantity.Should().BeEquivalentTo(new Quantity { Value = 250, Unit = "mg" });
        request.MedicationCodeableConcept!.Coding!.Single().Should().BeEquivalentTo(new Coding { System = CodeSystems.Din, Code = "02238830", Display = "Amoxicilline" });
        request.Identifier![0].System.Should().Be("urn:dsn:order:mcq:placer");
    }

    [Fact]
    public void An_unmapped_local_drug_keeps_its_local_system_and_is_reported_once()
    {
        var mapping = Ok(Message("RDE^O11^RDE_O11", "PHARM_MCQ", "MCQ", "M-2",
            Orc(placer: "A-1"), Rxe(drug: "99001^Sirop érable-codéine^PHARMCQ"), Orc(placer: "A-2"), Rxe(drug: "99001^Sirop érable-codéine^PHARMCQ")));
        mapping.Bundle.Entry!.Select(e => e.Resource).OfType<MedicationRequest>().Should().HaveCount(2, "one MedicationRequest per order");
        Single(Ok(Message("RDE^O11^RDE_O11", "PHARM_MCQ", "MCQ", "M-3", Orc(), Rxe(drug: "99001^Sirop^PHARMCQ")))).MedicationCodeableConcept!.Coding!
            .Single().System.Should().Be("urn:dsn:code:mcq:pharmcq");
        mapping.Unmapped.Should().Equal(new UnmappedCode("MCQ", CodeKind.Drug, "urn:dsn:code:mcq:pharmcq", "99001", "Sirop érable-codéine"));
    }

    [Theory]
    [InlineData("NW", "", "active")]
    [InlineData("XO", "", "active")]
    [InlineData("HD", "", "on-hold")]
    [InlineData("RL", "", "active")]
    [InlineData("DC", "", "stopped")]
    [InlineData("CA", "", "cancelled")]
    [InlineData("SC", "CM", "completed")]
    [InlineData("XO", "HD", "on-hold")]
    public void Status_follows_the_table_ORC_5_first(string control, string status, string expected)
    {
        Single(Ok(Message("RDE^O11^RDE_O11", "PHARM_NIM", "NIM", "S-1", Orc(control: control, status: status), Rxe()))).Status?.GetLiteral().Should().Be(expected);
    }

    [Fact]
    public void An_unknown_control_code_is_status_unknown_with_the_code_kept()
    {
        var request = Single(Ok(Message("RDE^O11^RDE_O11", "PHARM_NIM", "NIM", "S-2", Orc(control: "ZZ"), Rxe())));
        request.Status.Should().Be(MedicationRequest.MedicationrequestStatus.Unknown);
        request.Extension.Single().ShouldBeExactly(new Extension(MedicationRequestStatuses.UnrecognizedStatusExtension, new Code("ZZ")));
    }

    [Fact]
    public void OMP_maps_RXO_with_the_TQ_timing_of_ORC_7_and_the_filler_number_alone_is_enough()
    {
        var mapping = Ok(Message("OMP^O09^OMP_O09", "PHARM_NIM", "NIM", "O-1",
            Orc(placer: "", filler: "RX-9", timing: "1^Q6H&0600,1200^^20240716^^^^selon douleur"),
            "RXO|METF500^Metformine^PHARMNIM|1|2|co^comprimé", "RXR|PO"));
        var request = Single(mapping);
        request.MedicationCodeableConcept!.Coding![0].Code.Should().Be("02099233");
        request.DosageInstruction![0].DoseAndRate![0].DoseRange!.High!.Unit.Should().Be("comprimé");
        var timing = request.DosageInstruction[0].Timing!;
        timing.Repeat!.Period.Should().Be(6);
        timing.Repeat.PeriodUnit.Should().Be(Timing.UnitsOfTime.H);
        timing.Repeat.TimeOfDay.Should().Equal("06:00:00", "12:00:00");
        timing.Repeat.BoundsPeriod!.Start.Should().Be("2024-07-16");
        request.DosageInstruction[0].Text.Should().Be("Q6H 0600,1200; selon douleur", "the original timing text is kept");
        mapping.Bundle.Entry![1].Request!.Url.Should().Be("MedicationRequest?identifier=urn:dsn:order:nim:filler|RX-9");
        request.DosageInstruction[0].Route!.Coding![0].Code.Should().Be("PO");
    }

    [Fact]
    public void An_order_number_with_reserved_characters_is_escaped_in_the_conditional_url()
    {
        Ok(Message("RDE^O11^RDE_O11", "PHARM_NIM", "NIM", "E-1", Orc(placer: "A B/1"), Rxe())).Bundle.Entry![1].Request!.Url
            .Should().Be("MedicationRequest?identifier=urn:dsn:order:nim:placer|A%20B%2F1");
    }

    [Fact]
    public void An_order_number_holding_a_comma_is_one_value_of_the_search_not_two()
    {
        Ok(Message("RDE^O11^RDE_O11", "PHARM_NIM", "NIM", "E-2", Orc(placer: @"A,B\F\C\E\D"), Rxe())).Bundle.Entry![1].Request!.Url
            .Should().Be("MedicationRequest?identifier=urn:dsn:order:nim:placer|A%5C%2CB%5C%7CC%5C%5CD");
    }

    [Fact]
    public void The_NTE_after_the_ORC_the_RXO_and_the_RXE_are_the_order_notes_and_NTE_elsewhere_are_not()
    {
        var mapping = Ok(Message("RDE^O11^RDE_O11", "PHARM_NIM", "NIM", "N-1", Pv1,
            Orc(), "NTE|1|P|Ordonnance verbale confirmée",
            "RXO|ACET500^Acétaminophène 500 mg^PHARMNIM|500", "NTE|1|P|Le patient préfère le sirop",
            "RXR|PO", "NTE|1|P|Note de la voie, pas de l'ordonnance",
            Rxe(), @"NTE|1|P|Ne pas dépasser 4 g/24 h\.br\Vérifier la fonction hépatique~Prendre avec de l'eau \T\ de la nourriture",
            "OBX|1|NM|3141-9^Poids^LN||70|kg", "NTE|1|P|Note de l'observation",
            Orc(placer: "CMD-2002", filler: "RX-2002"), Rxe(drug: "METF500^Metformine^PHARMNIM")));

        var requests = mapping.Bundle.Entry!.Select(e => e.Resource).OfType<MedicationRequest>().ToList();
        requests[0].Note!.Select(n => n.Text).Should().Equal(
            "Ordonnance verbale confirmée",
            "Le patient préfère le sirop",
            "Ne pas dépasser 4 g/24 h\nVérifier la fonction hépatique\nPrendre avec de l'eau & de la nourriture");
        requests[1].Note.Should().BeEmpty("the next order has no NTE of its own");

        var omp = Single(Ok(Message("OMP^O09^OMP_O09", "PHARM_MCQ", "MCQ", "N-2", Orc(), "RXO|12001^Acétaminophène^PHARMCQ|1", "NTE|1|P|À jeun")));
        omp.Note!.Single().Text.Should().Be("À jeun");
    }

    [Fact]
    public void PRN_means_as_needed()
    {
        var dosage = Single(Ok(Message("RDE^O11^RDE_O11", "PHARM_NIM", "NIM", "P-1", Orc(), "TQ1|1||PRN", Rxe()))).DosageInstruction![0];
        dosage.AsNeededBoolean.Should().BeTrue();
        dosage.Timing!.Code!.Coding![0].Code.Should().Be("PRN");
    }

    [Fact]
    public void ORM_with_RXO_is_a_medication_order_and_without_RXO_brings_its_patient_only()
    {
        Single(Ok(Message("ORM^O01^ORM_O01", "PHARM_MCQ", "MCQ", "R-1", Orc(), "RXO|12001^Acétaminophène^PHARMCQ|1")))
            .MedicationCodeableConcept!.Coding![0].Code.Should().Be("02229873", "MCQ maps 12001 under its PHARMCQ system");
        var lab = Ok(Message("ORM^O01^ORM_O01", "PHARM_MCQ", "MCQ", "R-2", Orc(), "OBR|1|CMD-1001||GLU^Glucose"));
        lab.Bundle.Entry!.Select(e => e.Resource!.TypeName).Should().Equal("Patient", "Provenance");
    }

    public static TheoryData<string, string[], int, string> AeCases => new()
    {
        { "RDE^O11^RDE_O11", [Rxe()], 100, "ORC" },
        { "RDE^O11^RDE_O11", [Orc()], 100, "RXE" },
        { "OMP^O09^OMP_O09", [Orc()], 100, "RXO" },
        { "ORM^O01^ORM_O01", ["RXO|12001^x^PHARMCQ"], 100, "ORC" },
        { "RDE^O11^RDE_O11", [Orc(placer: "", filler: ""), Rxe()], 101, "ORC" },
        { "RDE^O11^RDE_O11", [Orc(), Rxe(drug: "")], 101, "RXE" },
        { "RDE^O11^RDE_O11", [Orc(), Rxe(minimum: "deux")], 102, "RXE" },
        { "RDE^O11^RDE_O11", [Orc(), Rxe(originalOrderTime: "2024-07-16")], 102, "RXE" },
        { "RDE^O11^RDE_O11", [Orc(transactionTime: "20241345"), Rxe(originalOrderTime: "")], 102, "ORC" },
        { "OMP^O09^OMP_O09", [Orc(), "RXO|"], 101, "RXO" },
    };

    [Theory]
    [MemberData(nameof(AeCases))]
    public void Content_errors_name_their_code_and_segment(string type, string[] segments, int code, string segment)
    {
        var error = Refused(Message(type, "PHARM_NIM", "NIM", "AE-1", segments));
        error.Code.Should().Be(code, error.ToString());
        error.Location!.Segment.Should().Be(segment);
    }

    [Fact]
    public void An_order_without_a_PID_is_100()
    {
        var message = QuebecFixtures.Parse("MSH|^~\\&|PHARM_NIM|NIM|DSN|DSN|20240716090000||RDE^O11^RDE_O11|X-1|P|2.5.1\r" + Orc() + "\r" + Rxe() + "\r");
        Refused(message).Should().BeEquivalentTo(new { Code = 100 }, o => o.ExcludingMissingMembers());
    }
}
