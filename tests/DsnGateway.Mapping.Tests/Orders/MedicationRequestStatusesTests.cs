using DsnGateway.Mapping.Orders;

namespace DsnGateway.Mapping.Tests.Orders;

public class MedicationRequestStatusesTests
{
    [Theory]
    [InlineData("A", "NW", "active")]
    [InlineData("IP", "XO", "active")]
    [InlineData("SC", "", "active")]
    [InlineData("CM", "NW", "completed")]
    [InlineData("CA", "NW", "cancelled")]
    [InlineData("DC", "NW", "stopped")]
    [InlineData("RP", "XO", "stopped")]
    [InlineData("HD", "NW", "on-hold")]
    [InlineData("ER", "NW", "entered-in-error")]
    public void Order_status_ORC5_decides_when_valued(string orc5, string orc1, string expected) =>
        MedicationRequestStatuses.From(orc5, orc1).Should().Be(new OrderStatus(expected));

    [Theory]
    [InlineData("NW", "active")]
    [InlineData("XO", "active")]
    [InlineData("RL", "active")]
    [InlineData("CA", "cancelled")]
    [InlineData("OC", "cancelled")]
    [InlineData("DC", "stopped")]
    [InlineData("OD", "stopped")]
    [InlineData("HD", "on-hold")]
    [InlineData("OH", "on-hold")]
    [InlineData("nw", "active")]
    public void Order_control_ORC1_decides_when_ORC5_is_empty(string orc1, string expected) =>
        MedicationRequestStatuses.From(null, orc1).Should().Be(new OrderStatus(expected));

    [Theory]
    [InlineData("ZZ", null, "ZZ")]
    [InlineData(null, "SN", "SN")]
    [InlineData(null, null, null)]
    public void Anything_else_is_unknown_with_the_code_kept(string? orc5, string? orc1, string? kept) =>
        MedicationRequestStatuses.From(orc5, orc1).Should().Be(new OrderStatus("unknown", kept));
}
