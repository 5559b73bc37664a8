using DsnGateway.Mapping.Orders;
using DsnGateway.Mapping.Procedures;

namespace DsnGateway.Mapping.Tests.Procedures;

public class ProcedureIdentifiersTests
{
    private static readonly DsnGateway.Mapping.Establishments.Establishment Mcq = QuebecFixtures.DefaultSenders().Establishments.ByCode("MCQ")!;

    [Fact]
    public void Given_and_derived_keys_live_in_separate_systems_so_they_never_collide()
    {
        ProcedureIdentifiers.Given(Mcq, " P-77 ")!.Should().BeEquivalentTo(new { System = "urn:dsn:procedure:mcq", Value = "P-77" });
        ProcedureIdentifiers.Given(Mcq, "").Should().BeNull();
        ProcedureIdentifiers.Derived(Mcq, "V123", "2").Should().BeEquivalentTo(new { System = "urn:dsn:procedure:mcq:derived", Value = "V123/2" });
        FluentActions.Invoking(() => ProcedureIdentifiers.Derived(Mcq, "V123", "")).Should().Throw<ArgumentException>();
    }

    [Fact]
    public void Order_numbers_are_typed_and_namespaced_by_establishment()
    {
        OrderIdentifiers.Placer(Mcq, "ORD1")!.Should().BeEquivalentTo(new { System = "urn:dsn:order:mcq:placer", Value = "ORD1" });
        OrderIdentifiers.Placer(Mcq, "ORD1")!.Type!.Coding![0].Code.Should().Be("PLAC");
        OrderIdentifiers.Filler(Mcq, "RX9")!.Should().BeEquivalentTo(new { System = "urn:dsn:order:mcq:filler", Value = "RX9" });
        OrderIdentifiers.Filler(Mcq, null).Should().BeNull();
    }
}
