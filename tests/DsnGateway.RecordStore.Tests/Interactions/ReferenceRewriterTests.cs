using DsnGateway.RecordStore.Interactions;
using Hl7.Fhir.Model;

namespace DsnGateway.RecordStore.Tests.Interactions;

public class ReferenceRewriterTests
{
    private const string Urn = "urn:uuid:6b0c2e36-34a4-4a54-9f0b-1d5c3b1d1f00";

    private static MedicationRequest Order() => new()
    {
        Status = MedicationRequest.MedicationrequestStatus.Active,
        Intent = MedicationRequest.MedicationRequestIntent.Order,
        Subject = new ResourceReference(Urn),
        Medication = new CodeableConcept("http://hl7.org/fhir/NamingSystem/ca-hc-din", "02242903"),
        Requester = new ResourceReference("Practitioner/p1"),
        Contained = [new Provenance { Id = "prov", Target = [new ResourceReference(Urn)] }],
        Extension = [new Extension("urn:test:about", new ResourceReference(Urn))],
        // Built in code, not checked by anything yet: the rewrite must not parse it.
        AuthoredOn = "2024-02-30",
    };

    [Fact]
    public void Every_reference_is_rewritten_in_a_copy_contained_resources_and_extensions_included()
    {
        var original = Order();

        var rewritten = (MedicationRequest)ReferenceRewriter.Rewrite(original, r => r == Urn ? "Patient/42" : null);

        rewritten.Should().NotBeSameAs(original);
        rewritten.Subject!.Reference.Should().Be("Patient/42");
        ((Provenance)rewritten.Contained[0]).Target[0].Reference.Should().Be("Patient/42");
        rewritten.Extension[0].Value.Should().BeOfType<ResourceReference>().Which.Reference.Should().Be("Patient/42");
        rewritten.Requester!.Reference.Should().Be("Practitioner/p1", "a reference the map keeps stays");
        rewritten.AuthoredOn.Should().Be("2024-02-30");
        original.Subject!.Reference.Should().Be(Urn, "the resource given is not changed");
        ReferenceRewriter.References(rewritten).Should().BeEquivalentTo(["Patient/42", "Practitioner/p1", "Patient/42", "Patient/42"]);
    }

    [Fact]
    public void Nothing_to_rewrite_gives_back_the_resource_itself()
    {
        var original = Order();

        ReferenceRewriter.Rewrite(original, _ => null).Should().BeSameAs(original);
    }
}
