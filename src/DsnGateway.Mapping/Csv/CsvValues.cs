using System.Globalization;
using DsnGateway.Mapping.Identity;

namespace DsnGateway.Mapping.Csv;

/// <summary>Reads dates, date-times and decimals the way a layout says its system writes them.</summary>
public sealed class CsvValues(CsvLayout layout)
{
    private readonly string[] _dateFormats = [.. layout.DateFormats];
    private readonly string[] _dateTimeFormats = [.. layout.DateTimeFormats];
    private readonly TimeZoneInfo _zone = layout.Establishment.Zone;

    /// <summary>A date (no time) as FHIR writes it, or null when the text matches none of the layout's date formats.</summary>
    public DateOnly? Date(string text) =>
        System.DateTime.TryParseExact(text, _dateFormats, CultureInfo.InvariantCulture, DateTimeStyles.AllowWhiteSpaces, out var date)
            ? DateOnly.FromDateTime(date)
            : null;

    /// <summary>
    /// A date-time as a FHIR dateTime with its offset: a value without an offset is the establishment's local time
    /// (as for HL7). A value matching only a date format stays a date at day precision. Null when it matches nothing.
    /// </summary>
    public (string Fhir, DateTimeOffset Instant)? DateTime(string text)
    {
        if (System.DateTime.TryParseExact(text, _dateTimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.AllowWhiteSpaces, out var local))
        {
            var instant = local.Kind == DateTimeKind.Unspecified
                ? new DateTimeOffset(local, _zone.GetUtcOffset(local))
                : new DateTimeOffset(local.ToUniversalTime(), TimeSpan.Zero).ToOffset(_zone.GetUtcOffset(local.ToUniversalTime()));
            return (instant.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture), instant);
        }
        if (Date(text) is { } date)
        {
            var midnight = date.ToDateTime(TimeOnly.MinValue);
            return (date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), new DateTimeOffset(midnight, _zone.GetUtcOffset(midnight)));
        }
        return null;
    }

    /// <summary>A decimal written with the layout's separator (thousands separators are not accepted: they are ambiguous).</summary>
    public decimal? Decimal(string text)
    {
        var other = layout.DecimalSeparator == ',' ? '.' : ',';
        if (text.Contains(other)) return null;
        var normalized = layout.DecimalSeparator == ',' ? text.Replace(',', '.') : text;
        return decimal.TryParse(normalized, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
            ? value
            : null;
    }

    public static PartialDate ToPartial(DateOnly date) => new(date.Year, date.Month, date.Day);
}
