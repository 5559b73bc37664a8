using DsnGateway.Hl7v2.Parsing;
using DsnGateway.Hl7v2.Segments;

namespace DsnGateway.Hl7v2.Tests.Parsing;

/// <summary>The FHIR-Converter samples (LF line ends, some with a BOM) must all parse and expose PID-3 and PID-5.</summary>
public class SampleFilesTests
{
    public static TheoryData<string> Samples()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(SharedData.Path("hl7v2", "fhir-converter", "samples"), "*.hl7").OrderBy(f => f)) data.Add(Path.GetFileName(f));
        return data;
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Sample_parses_and_exposes_the_patient(string file)
    {
        var result = Hl7Parser.Parse(File.ReadAllBytes(SharedData.Path("hl7v2", "fhir-converter", "samples", file)));
        result.Error.Should().BeNull();
        var m = result.Message!;
        m.Msh.MessageCode.Should().NotBeEmpty();
        m.Msh.ControlId.Should().NotBeEmpty();
        var pid = m.Pid();
        pid.Should().NotBeNull();
        pid!.Identifiers.Should().NotBeEmpty();
        pid.Identifiers.Should().Contain(cx => cx.Id.Length > 0);
        pid.Names.Should().Contain(n => !n.IsEmpty);
    }

    [Fact]
    public void Adt_a01_sample_reads_typed_fields()
    {
        var m = Hl7Parser.Parse(File.ReadAllBytes(SharedData.Path("hl7v2", "fhir-converter", "samples", "ADT-A01-01.hl7"))).Message!;
        var msh = m.Msh;
        msh.SendingApplication.NamespaceId.Should().Be("ADTApp");
        msh.SendingFacility.UniversalId.Should().Be("2.16.840.1.122848.1.30");
        msh.MessageStructure.Should().Be("ADT_A01");
        msh.Version.Should().Be("2.8");
        var pid = m.Pid()!;
        pid.PatientId.Id.Should().Be("1234567");
        pid.Identifiers[0].AssigningAuthority.NamespaceId.Should().Be("test1");
        pid.Identifiers[0].AssigningAuthority.UniversalId.Should().Be("2.16.1");
        pid.Identifiers[0].IdentifierTypeCode.Should().Be("MR");
        pid.Identifiers[1].AssigningAuthority.NamespaceId.Should().Be("USSSA");
        pid.Names[0].FamilyName.Should().Be("EVERYMAN");
        pid.Names[0].GivenName.Should().Be("ADAM");
        pid.Names[0].SecondAndFurtherGivenNames.Should().Be("A");
        pid.Names[0].Suffix.Should().Be("III");
        pid.Names[0].Prefix.Should().Be("Dr.");
        pid.Names[1].NameTypeCode.Should().Be("L");
        pid.BirthDateTime.Should().Be("198808181126+0215");
        pid.AdministrativeSex.Should().Be("M");
        pid.Addresses[0].Street.Should().Be("1000");
        pid.Addresses[0].City.Should().Be("Ann Arbor ");
        pid.HomePhones.Should().HaveCount(2);
        pid.HomePhones[0].EquipmentType.Should().Be("CP");
        pid.BusinessPhones[1].EquipmentType.Should().Be("TDD");
        pid.MaritalStatus.Identifier.Should().Be("M");
        pid.DeathDateTime.Should().Be("20080825111630+0115");
        pid.DeathIndicator.Should().Be("Y");
        var pv1 = m.Pv1()!;
        pv1.PatientClass.Should().Be("P");
        pv1.AssignedLocation.PointOfCare.Should().Be("HUH AE OMU");
        pv1.AssignedLocation.Bed.Should().Be("Bed 03");
        pv1.VisitNumber.Id.Should().Be("40007716");
        m.Evn()!.RecordedDateTime.Should().Be("20290801070624+0115");
        m.Pd1()!.PrimaryCareProviders[0].FamilyName.Should().Be("Hippo");
        var pr1 = m.Pr1s().Single();
        pr1.ProcedureCode.Identifier.Should().Be("76164006");
        pr1.ProcedureCode.CodingSystem.Should().Be("SCT");
        pr1.FunctionalType.Identifier.Should().Be("D");
        pr1.Surgeons[0].FamilyName.Should().Be("Patrick");
        pr1.ProcedurePractitioners[0].Id.Should().Be("12345689");
        pr1.ProcedureIdentifier.EntityId.Should().Be("PR1006");
    }

    [Fact]
    public void Merge_and_orders_samples_read_typed_fields()
    {
        var a40 = Hl7Parser.Parse(File.ReadAllBytes(SharedData.Path("hl7v2", "fhir-converter", "samples", "ADT-A40-01.hl7"))).Message!;
        a40.Mrg()!.PriorPatientIdentifiers.Should().NotBeEmpty();
        a40.Mrg()!.PriorPatientIdentifiers[0].Id.Should().Be("56789");
        a40.Mrg()!.PriorPatientIdentifiers[0].AssigningAuthority.NamespaceId.Should().Be("BCBS");
        a40.Mrg()!.PriorPatientIdentifiers[0].IdentifierTypeCode.Should().Be("MR");

        var rde = Hl7Parser.Parse(File.ReadAllBytes(SharedData.Path("hl7v2", "fhir-converter", "samples", "RDE-O11-01.hl7"))).Message!;
        var orc = rde.Orcs().First();
        orc.OrderControl.Should().NotBeEmpty();
        orc.PlacerOrderNumber.EntityId.Should().Be(rde.Get("ORC-2.1"));
        rde.Rxes().First().GiveCode.Identifier.Should().Be(rde.Get("RXE-2.1"));
        rde.Rxes().First().GiveAmountMinimum.Should().Be(rde.Get("RXE-3"));
        rde.Rxes().First().GiveCode.CodingSystem.Should().Be("NDC");
        rde.Rxos().First().RequestedGiveCode.Identifier.Should().Be("00047040230");
        rde.Rxrs()[1].Route.Identifier.Should().Be("IV");
        rde.Rxrs()[1].AdministrationSite.Identifier.Should().Be("HAND");

        var orm = Hl7Parser.Parse(File.ReadAllBytes(SharedData.Path("hl7v2", "fhir-converter", "samples", "ORM-O01-01.hl7"))).Message!;
        orm.Orcs()[0].OrderStatus.Should().Be("SC");
        orm.Orcs()[0].FillerOrderNumber.Should().Be(new DsnGateway.Hl7v2.Types.Ei("1201", "GHHFiller", "", ""));
        orm.Orcs()[0].TransactionDateTime.Should().Be("202110201126+0215");
        orm.Orcs()[0].OrderingProviders[0].FamilyName.Should().Be("ORDPROVIDER");
        orm.Orcs()[0].OrderingProviders.Select(x => x.Id).Should().Equal(orm.GetSegment("ORC")!.Repetitions(12).Select(r => r.Value(1)));
    }
}
