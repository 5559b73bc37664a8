using DsnGateway.Hl7v2.Types;

namespace DsnGateway.Hl7v2.Tests.Types;

public class Hl7DateTimeTests
{
    private static readonly TimeZoneInfo Toronto = Hl7DateTime.FindZone("America/Toronto")!;

    [Theory]
    [InlineData("1985", "1985")]
    [InlineData("198506", "1985-06")]
    [InlineData("19850615", "1985-06-15")]
    [InlineData("19850615+0200", "1985-06-15")]
    public void Dates_stay_dates_at_their_precision(string hl7, string fhir) => Convert(hl7).Should().Be(fhir);

    [Theory]
    [InlineData("20260115083000", "2026-01-15T08:30:00-05:00")]
    [InlineData("20260715083000", "2026-07-15T08:30:00-04:00")]
    [InlineData("202601150830", "2026-01-15T08:30:00-05:00")]
    [InlineData("2026071508", "2026-07-15T08:00:00-04:00")]
    [InlineData("20260715083000.1234", "2026-07-15T08:30:00.1234-04:00")]
    [InlineData("20260715083000-0700", "2026-07-15T08:30:00-07:00")]
    [InlineData("198808181126+0215", "1988-08-18T11:26:00+02:15")]
    [InlineData("20260101000000+0000", "2026-01-01T00:00:00+00:00")]
    public void Times_get_the_establishment_offset_when_none_was_sent(string hl7, string fhir) => Convert(hl7).Should().Be(fhir);

    [Fact]
    public void Daylight_saving_boundaries_follow_the_zone()
    {
        // 2026: DST starts 8 March 02:00, ends 1 November 02:00 in Toronto.
        Convert("20260308013000").Should().EndWith("-05:00");
        Convert("20260308033000").Should().EndWith("-04:00");
        Convert("20261031120000").Should().EndWith("-04:00");
        Convert("20261102120000").Should().EndWith("-05:00");
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("19851")]
    [InlineData("19851315")]
    [InlineData("19850230")]
    [InlineData("20260101250000")]
    [InlineData("20260101126000")]
    [InlineData("20260101120060")]
    [InlineData("2026010112.5")]
    [InlineData("20260101120000.")]
    [InlineData("20260101120000+05")]
    [InlineData("20260101120000+2500")]
    [InlineData("0000")]
    [InlineData("2026-01-01")]
    public void Invalid_values_are_structured_errors(string hl7)
    {
        Hl7DateTime.TryConvertToFhir(hl7, Toronto, out _, out var error).Should().BeFalse();
        error!.Code.Should().Be(102);
        error.Message.Should().Contain("not an HL7 date/time");
    }

    [Fact]
    public void Precision_and_instant_are_kept()
    {
        var value = Hl7DateTime.Parse("202607150830");
        value.Precision.Should().Be(Hl7DateTimePrecision.Minute);
        value.HasTime.Should().BeTrue();
        value.ToString().Should().Be("202607150830");
        value.ToDateTimeOffset(Toronto).Should().Be(new DateTimeOffset(2026, 7, 15, 8, 30, 0, TimeSpan.FromHours(-4)));
        Hl7DateTime.Parse("19850615").ToFhir(Toronto).Should().Be("1985-06-15");
        Hl7DateTime.FindZone("Nowhere/Atlantis").Should().BeNull();
    }

    private static string Convert(string hl7)
    {
        Hl7DateTime.TryConvertToFhir(hl7, Toronto, out var fhir, out var error).Should().BeTrue(error?.Message);
        return fhir;
    }
}
