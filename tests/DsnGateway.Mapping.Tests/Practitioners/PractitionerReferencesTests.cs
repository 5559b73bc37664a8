using DsnGateway.Hl7v2.Types;
using DsnGateway.Mapping.Practitioners;

namespace DsnGateway.Mapping.Tests.Practitioners;

public class PractitionerReferencesTests
{
    private static readonly DsnGateway.Mapping.Establishments.Establishment Nim = QuebecFixtures.DefaultSenders().Establishments.ByCode("NIM")!;

    [Fact]
    public void An_xcn_becomes_a_practitioner_reference_with_the_licence_in_its_authority_namespace()
    {
        var xcn = new Xcn("12345", "Gagnon", "Luc", "", "", "Dr", new Hd("CMQ", "", ""), "");

        var reference = PractitionerReferences.From(xcn, Nim)!;

        reference.Type.Should().Be("Practitioner");
        reference.Identifier!.System.Should().Be("urn:dsn:licence:cmq");
        reference.Identifier.Value.Should().Be("12345");
        reference.Display.Should().Be("Dr Luc Gagnon");
        reference.Reference.Should().BeNull("no Practitioner resource is written");
    }

    [Fact]
    public void A_number_without_authority_is_the_establishment_own()
    {
        PractitionerReferences.Create("777", null, null, Nim)!.Identifier!.System.Should().Be("urn:dsn:licence:nim");
    }

    [Fact]
    public void A_name_without_number_is_kept_as_display_only_and_nobody_is_null()
    {
        PractitionerReferences.Create(null, null, "Dre Roy", Nim)!.Should().BeEquivalentTo(new { Identifier = (object?)null, Display = "Dre Roy" });
        PractitionerReferences.Create(" ", "CMQ", "  ", Nim).Should().BeNull();
        PractitionerReferences.From(new Xcn("", "", "", "", "", "", new Hd("", "", ""), ""), Nim).Should().BeNull();
    }
}
