using System.Globalization;
using DsnGateway.Fhir.Primitives;

namespace DsnGateway.Fhir.Tests.Primitives;

public class PartialDateTimeTests
{
    private static DateTimeOffset Utc(string roundTrip) =>
        DateTimeOffset.Parse(roundTrip, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    // ---- precision -------------------------------------------------------------------------

    [Theory]
    [InlineData("1985", DatePrecision.Year)]
    [InlineData("1985-06", DatePrecision.Month)]
    [InlineData("1985-06-15", DatePrecision.Day)]
    [InlineData("1985-06-15T10:30Z", DatePrecision.Minute)]
    [InlineData("1985-06-15T10:30-05:00", DatePrecision.Minute)]
    [InlineData("1985-06-15T10:30:45Z", DatePrecision.Second)]
    [InlineData("1985-06-15T10:30:45+02:00", DatePrecision.Second)]
    [InlineData("1985-06-15T10:30:45.1Z", DatePrecision.Fraction)]
    [InlineData("1985-06-15T10:30:45.123-05:00", DatePrecision.Fraction)]
    [InlineData("1985-06-15T10:30:45.123456789Z", DatePrecision.Fraction)]
    public void Precision_is_the_one_written(string text, DatePrecision precision)
    {
        PartialDateTime.TryParse(text, out var value).Should().BeTrue();

        value.Precision.Should().Be(precision);
        value.Text.Should().Be(text);
        value.ToString().Should().Be(text);
    }

    [Fact]
    public void Precisions_are_ordered_from_coarse_to_fine()
    {
        new[] { DatePrecision.Fraction, DatePrecision.Year, DatePrecision.Second, DatePrecision.Day, DatePrecision.Minute, DatePrecision.Month }
            .Order().Should().Equal(DatePrecision.Year, DatePrecision.Month, DatePrecision.Day, DatePrecision.Minute, DatePrecision.Second, DatePrecision.Fraction);
    }

    // ---- ranges ----------------------------------------------------------------------------

    [Theory]
    [InlineData("1985", "1985-01-01T00:00:00Z", "1986-01-01T00:00:00Z")]
    [InlineData("2024", "2024-01-01T00:00:00Z", "2025-01-01T00:00:00Z")]
    [InlineData("1985-02", "1985-02-01T00:00:00Z", "1985-03-01T00:00:00Z")]
    [InlineData("2024-02", "2024-02-01T00:00:00Z", "2024-03-01T00:00:00Z")]
    [InlineData("1985-12", "1985-12-01T00:00:00Z", "1986-01-01T00:00:00Z")]
    [InlineData("1985-06-15", "1985-06-15T00:00:00Z", "1985-06-16T00:00:00Z")]
    [InlineData("1985-12-31", "1985-12-31T00:00:00Z", "1986-01-01T00:00:00Z")]
    [InlineData("2024-02-29", "2024-02-29T00:00:00Z", "2024-03-01T00:00:00Z")]
    [InlineData("1985-06-15T10:30Z", "1985-06-15T10:30:00Z", "1985-06-15T10:31:00Z")]
    [InlineData("1985-06-15T10:30:45Z", "1985-06-15T10:30:45Z", "1985-06-15T10:30:46Z")]
    [InlineData("1985-06-15T23:59:59Z", "1985-06-15T23:59:59Z", "1985-06-16T00:00:00Z")]
    [InlineData("2024-03-01T10:15:00-05:00", "2024-03-01T15:15:00Z", "2024-03-01T15:15:01Z")]
    [InlineData("2024-03-01T02:15:00+05:30", "2024-02-29T20:45:00Z", "2024-02-29T20:45:01Z")]
    [InlineData("2024-03-01T10:15:00.5Z", "2024-03-01T10:15:00.5Z", "2024-03-01T10:15:00.6Z")]
    [InlineData("2024-03-01T10:15:00.120Z", "2024-03-01T10:15:00.120Z", "2024-03-01T10:15:00.121Z")]
    [InlineData("2024-03-01T10:15:00.123456Z", "2024-03-01T10:15:00.123456Z", "2024-03-01T10:15:00.123457Z")]
    [InlineData("2024-03-01T10:15:00.1234567Z", "2024-03-01T10:15:00.1234567Z", "2024-03-01T10:15:00.1234568Z")]
    public void Start_and_End_give_the_range_covered(string text, string start, string end)
    {
        var value = PartialDateTime.Parse(text);

        value.Start.Should().Be(Utc(start));
        value.End.Should().Be(Utc(end));
        value.Start.Should().BeBefore(value.End);
    }

    [Theory]
    [InlineData("1985-02", 28)]
    [InlineData("2023-02", 28)]
    [InlineData("2024-02", 29)]
    [InlineData("2000-02", 29)]
    [InlineData("1900-02", 28)]
    [InlineData("2024-04", 30)]
    [InlineData("2024-01", 31)]
    public void A_month_covers_all_its_days(string text, int days)
    {
        var value = PartialDateTime.Parse(text);

        (value.End - value.Start).Should().Be(TimeSpan.FromDays(days));
    }

    [Theory]
    [InlineData("2023", 365)]
    [InlineData("2024", 366)]
    public void A_year_covers_all_its_days(string text, int days)
    {
        var value = PartialDateTime.Parse(text);

        (value.End - value.Start).Should().Be(TimeSpan.FromDays(days));
    }

    [Fact]
    public void A_dateTime_with_an_offset_keeps_the_offset_and_the_instant()
    {
        var value = PartialDateTime.Parse("2024-03-01T10:15:00-05:00");

        value.HasOffset.Should().BeTrue();
        value.Start.Offset.Should().Be(TimeSpan.FromHours(-5));
        value.Start.UtcDateTime.Should().Be(new DateTime(2024, 3, 1, 15, 15, 0, DateTimeKind.Utc));
        value.Start.Should().Be(PartialDateTime.Parse("2024-03-01T15:15:00Z").Start);
    }

    [Theory]
    [InlineData("2024-03-01T10:15:00Z")]
    [InlineData("2024-03-01T10:15:00+00:00")]
    [InlineData("2024-03-01T10:15:00-00:00")]
    public void Z_and_a_zero_offset_are_the_same_instant(string text)
    {
        var value = PartialDateTime.Parse(text);

        value.HasOffset.Should().BeTrue();
        value.Start.Should().Be(Utc("2024-03-01T10:15:00Z"));
        value.Start.Offset.Should().Be(TimeSpan.Zero);
    }

    [Theory]
    [InlineData("2024-03-01T10:15:00+14:00", "2024-02-29T20:15:00Z")]
    [InlineData("2024-03-01T10:15:00-12:00", "2024-03-01T22:15:00Z")]
    [InlineData("2024-03-01T10:15:00+05:45", "2024-03-01T04:30:00Z")]
    public void Extreme_and_odd_offsets_convert_correctly(string text, string utc)
    {
        PartialDateTime.Parse(text).Start.Should().Be(Utc(utc));
    }

    [Theory]
    [InlineData("1985")]
    [InlineData("1985-06")]
    [InlineData("1985-06-15")]
    public void Dates_have_no_offset_and_are_read_as_UTC(string text)
    {
        var value = PartialDateTime.Parse(text);

        value.HasOffset.Should().BeFalse();
        value.Start.Offset.Should().Be(TimeSpan.Zero);
    }

    [Fact]
    public void A_time_without_offset_is_read_as_UTC()
    {
        var value = PartialDateTime.Parse("2024-03-01T10:15:00");

        value.HasOffset.Should().BeFalse();
        value.Precision.Should().Be(DatePrecision.Second);
        value.Start.Should().Be(Utc("2024-03-01T10:15:00Z"));
    }

    [Fact]
    public void Fractional_seconds_beyond_ticks_are_truncated_and_cover_one_tick()
    {
        var value = PartialDateTime.Parse("2024-03-01T10:15:00.123456789Z");

        value.Start.Should().Be(Utc("2024-03-01T10:15:00.1234567Z"));
        (value.End - value.Start).Should().Be(TimeSpan.FromTicks(1));
    }

    [Theory]
    [InlineData("2024-03-01T10:15:00.1Z", 1_000_000)]
    [InlineData("2024-03-01T10:15:00.12Z", 100_000)]
    [InlineData("2024-03-01T10:15:00.123Z", 10_000)]
    [InlineData("2024-03-01T10:15:00.000Z", 10_000)]
    [InlineData("2024-03-01T10:15:00.1234Z", 1_000)]
    public void Fractional_seconds_cover_their_last_digit(string text, long ticks)
    {
        var value = PartialDateTime.Parse(text);

        (value.End - value.Start).Ticks.Should().Be(ticks);
    }

    [Fact]
    public void A_coarser_value_contains_the_finer_ones_within_it()
    {
        var year = PartialDateTime.Parse("1985");
        var day = PartialDateTime.Parse("1985-06-15");
        var moment = PartialDateTime.Parse("1985-12-31T23:59:59.999Z");

        day.Start.Should().BeOnOrAfter(year.Start);
        day.End.Should().BeOnOrBefore(year.End);
        moment.Start.Should().BeOnOrAfter(year.Start);
        moment.End.Should().Be(year.End);
    }

    [Theory]
    [InlineData("9999")]
    [InlineData("9999-12")]
    [InlineData("9999-12-31")]
    [InlineData("9999-12-31T23:59Z")]
    [InlineData("9999-12-31T23:59:59Z")]
    [InlineData("9999-12-31T23:59:59.9999999Z")]
    public void The_last_representable_values_parse_with_End_clamped(string text)
    {
        PartialDateTime.TryParse(text, out var value).Should().BeTrue();

        value.Start.Year.Should().Be(9999);
        value.End.Should().Be(DateTimeOffset.MaxValue);
    }

    [Theory]
    [InlineData("0001-01-01T00:00:00+01:00")]
    [InlineData("9999-12-31T23:59:59-05:00")]
    public void An_instant_outside_what_can_be_represented_is_rejected_not_thrown(string text)
    {
        var act = () => PartialDateTime.TryParse(text, out _);

        act.Should().NotThrow().Which.Should().BeFalse();
    }

    [Fact]
    public void The_first_year_parses()
    {
        var value = PartialDateTime.Parse("0001");

        value.Start.Should().Be(Utc("0001-01-01T00:00:00Z"));
        value.End.Should().Be(Utc("0002-01-01T00:00:00Z"));
    }

    // ---- invalid values --------------------------------------------------------------------

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("garbage")]
    [InlineData("85")]
    [InlineData("198")]
    [InlineData("19850")]
    [InlineData("0000")]
    [InlineData("1985-6")]
    [InlineData("1985-06-5")]
    [InlineData("1985/06/15")]
    [InlineData("19850615")]
    [InlineData("1985-13")]
    [InlineData("1985-00")]
    [InlineData("1985-06-00")]
    [InlineData("1985-06-32")]
    [InlineData("1985-04-31")]
    [InlineData("2023-02-29")]
    [InlineData("1900-02-29")]
    [InlineData("1985-06-15T")]
    [InlineData("1985-06-15T10Z")]
    [InlineData("1985-06-15T1:30Z")]
    [InlineData("1985-06-15T24:00:00Z")]
    [InlineData("1985-06-15T10:60:00Z")]
    [InlineData("1985-06-15T10:30:60Z")]
    [InlineData("1985-06-15T10:30:00.Z")]
    [InlineData("1985-06-15T10:30:00+5:00")]
    [InlineData("1985-06-15T10:30:00+0500")]
    [InlineData("1985-06-15T10:30:00+15:00")]
    [InlineData("1985-06-15T10:30:00+14:30")]
    [InlineData("1985-06-15T10:30:00-14:01")]
    [InlineData("1985-06-15T10:30:00+05:60")]
    [InlineData("1985-06-15T10:30:00z")]
    [InlineData("1985-06-15 10:30:00Z")]
    [InlineData("1985-06Z")]
    [InlineData(" 1985")]
    [InlineData("1985 ")]
    [InlineData("1985-06-15\n")]
    [InlineData("１９８５")]
    public void Invalid_values_are_rejected(string? text)
    {
        PartialDateTime.TryParse(text, out var value).Should().BeFalse();
        value.Should().Be(default(PartialDateTime));
        PartialDateTime.IsValidDate(text).Should().BeFalse();
        PartialDateTime.IsValidDateTime(text).Should().BeFalse();
        PartialDateTime.IsValidInstant(text).Should().BeFalse();
    }

    [Theory]
    [InlineData("2023-02-29")]
    [InlineData("garbage")]
    [InlineData("")]
    public void Parse_throws_a_FormatException_for_an_invalid_value(string text)
    {
        var act = () => PartialDateTime.Parse(text);

        act.Should().Throw<FormatException>().WithMessage($"*'{text}'*");
    }

    [Theory]
    [InlineData("2024-03-01T10:15")]
    [InlineData("2024-03-01T10:15:00")]
    [InlineData("2024-03-01T10:15:00.123")]
    public void A_time_without_offset_is_accepted_for_search_but_is_not_a_valid_dateTime(string text)
    {
        PartialDateTime.TryParse(text, out var value).Should().BeTrue();
        value.HasOffset.Should().BeFalse();

        PartialDateTime.IsValidDateTime(text).Should().BeFalse();
        PartialDateTime.IsValidInstant(text).Should().BeFalse();
        PartialDateTime.IsValidDate(text).Should().BeFalse();
    }

    // ---- IsValidDate / IsValidDateTime / IsValidInstant ------------------------------------

    [Theory]
    // text, date, dateTime, instant
    [InlineData("1985", true, true, false)]
    [InlineData("1985-06", true, true, false)]
    [InlineData("1985-06-15", true, true, false)]
    [InlineData("2024-02-29", true, true, false)]
    [InlineData("2024-03-01T10:15Z", false, false, false)]
    [InlineData("2024-03-01T10:15-05:00", false, false, false)]
    [InlineData("2024-03-01T10:15:00Z", false, true, true)]
    [InlineData("2024-03-01T10:15:00-05:00", false, true, true)]
    [InlineData("2024-03-01T10:15:00+14:00", false, true, true)]
    [InlineData("2024-03-01T10:15:00.123Z", false, true, true)]
    [InlineData("2024-03-01T10:15:00.123456-05:00", false, true, true)]
    [InlineData("2024-03-01T10:15:00", false, false, false)]
    public void Validity_follows_the_FHIR_type(string text, bool date, bool dateTime, bool instant)
    {
        PartialDateTime.IsValidDate(text).Should().Be(date);
        PartialDateTime.IsValidDateTime(text).Should().Be(dateTime);
        PartialDateTime.IsValidInstant(text).Should().Be(instant);
    }

    // ---- FormatInstant ---------------------------------------------------------------------

    [Fact]
    public void FormatInstant_writes_UTC_with_milliseconds()
    {
        var instant = new DateTimeOffset(2024, 3, 1, 10, 15, 0, 123, TimeSpan.FromHours(-5));

        PartialDateTime.FormatInstant(instant).Should().Be("2024-03-01T15:15:00.123Z");
    }

    [Fact]
    public void FormatInstant_writes_zero_milliseconds()
    {
        var instant = new DateTimeOffset(2024, 3, 1, 10, 15, 0, TimeSpan.Zero);

        PartialDateTime.FormatInstant(instant).Should().Be("2024-03-01T10:15:00.000Z");
    }

    [Fact]
    public void FormatInstant_truncates_below_the_millisecond()
    {
        var instant = new DateTimeOffset(2024, 3, 1, 10, 15, 0, TimeSpan.Zero).AddTicks(1_239_999);

        PartialDateTime.FormatInstant(instant).Should().Be("2024-03-01T10:15:00.123Z");
    }

    [Fact]
    public void FormatInstant_crosses_the_date_line_when_converting_to_UTC()
    {
        var instant = new DateTimeOffset(2024, 12, 31, 22, 30, 0, TimeSpan.FromHours(-5));

        PartialDateTime.FormatInstant(instant).Should().Be("2025-01-01T03:30:00.000Z");
    }

    [Fact]
    public void FormatInstant_gives_a_valid_instant_that_parses_back_to_the_same_moment()
    {
        var instant = new DateTimeOffset(2024, 2, 29, 23, 59, 59, 999, TimeSpan.FromHours(5.5));

        var text = PartialDateTime.FormatInstant(instant);

        PartialDateTime.IsValidInstant(text).Should().BeTrue();
        var parsed = PartialDateTime.Parse(text);
        parsed.Start.Should().Be(instant);
        parsed.Precision.Should().Be(DatePrecision.Fraction);
        (parsed.End - parsed.Start).Should().Be(TimeSpan.FromMilliseconds(1));
    }
}
