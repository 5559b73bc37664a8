using DsnGateway.Fhir.Primitives;
using DsnGateway.RecordStore.Indexing;

namespace DsnGateway.RecordStore.Tests.Indexing;

public class DateBoundsTests
{
    [Theory]
    [InlineData("2023-05-10", "2023-05-10T00:00:00.000Z", "2023-05-10T23:59:59.999Z")]
    [InlineData("2023-05-10T14:30:00Z", "2023-05-10T14:30:00.000Z", "2023-05-10T14:30:00.999Z")]
    [InlineData("2023-05-10T14:30:00.5Z", "2023-05-10T14:30:00.500Z", "2023-05-10T14:30:00.599Z")]
    [InlineData("2023-05-10T14:30:00.123Z", "2023-05-10T14:30:00.123Z", "2023-05-10T14:30:00.123Z")]
    [InlineData("2023-05-10T14:30:00.1234Z", "2023-05-10T14:30:00.123Z", "2023-05-10T14:30:00.123Z")]
    [InlineData("1950-01-01T00:00:00.0001Z", "1950-01-01T00:00:00.000Z", "1950-01-01T00:00:00.000Z")]
    public void Bounds_are_the_milliseconds_holding_the_first_and_last_instants(string value, string low, string high)
    {
        var d = PartialDateTime.Parse(value);
        DateBounds.ToLow(d.Start).Should().Be(PartialDateTime.Parse(low).Start.ToUnixTimeMilliseconds());
        DateBounds.ToHigh(d.End).Should().Be(PartialDateTime.Parse(high).Start.ToUnixTimeMilliseconds());
        DateBounds.ToHigh(d.End).Should().BeGreaterThanOrEqualTo(DateBounds.ToLow(d.Start), "a range is never empty");
    }

    [Fact]
    public void Open_ends_are_the_extremes()
    {
        DateBounds.ToLow(DateTimeOffset.MinValue).Should().Be(long.MinValue);
        DateBounds.ToHigh(DateTimeOffset.MaxValue).Should().Be(long.MaxValue);
    }
}
