using System.Globalization;
using System.Text.RegularExpressions;

namespace DsnGateway.Fhir.Primitives;

/// <summary>How much of a date or time a FHIR value states.</summary>
public enum DatePrecision
{
    Year,
    Month,
    Day,
    Minute,
    Second,
    Fraction,
}

/// <summary>
/// A FHIR date, dateTime or instant at the precision it was written with. <c>1985</c> means the whole
/// year 1985, not 1985-01-01: <see cref="Start"/> and <see cref="End"/> give the range it covers, which is
/// what date search compares.
/// </summary>
public readonly partial record struct PartialDateTime
{
    private PartialDateTime(string text, DatePrecision precision, DateTimeOffset start, DateTimeOffset end, bool hasOffset)
    {
        Text = text;
        Precision = precision;
        Start = start;
        End = end;
        HasOffset = hasOffset;
    }

    /// <summary>The value as written.</summary>
    public string Text { get; }

    public DatePrecision Precision { get; }

    /// <summary>The first instant the value covers.</summary>
    public DateTimeOffset Start { get; }

    /// <summary>The first instant after the range the value covers (exclusive).</summary>
    public DateTimeOffset End { get; }

    /// <summary>False for dates and for times written without an offset, which are read as UTC.</summary>
    public bool HasOffset { get; }

    public override string ToString() => Text;

    /// <summary>Parses a FHIR date or dateTime (and so an instant).</summary>
    public static bool TryParse(string? text, out PartialDateTime value)
    {
        value = default;
        if (string.IsNullOrEmpty(text)) return false;
        var m = Pattern().Match(text);
        if (!m.Success) return false;

        var year = int.Parse(m.Groups["y"].Value, CultureInfo.InvariantCulture);
        if (year < 1) return false;
        var month = m.Groups["M"].Success ? int.Parse(m.Groups["M"].Value, CultureInfo.InvariantCulture) : 1;
        var day = m.Groups["d"].Success ? int.Parse(m.Groups["d"].Value, CultureInfo.InvariantCulture) : 1;
        if (day > DateTime.DaysInMonth(year, month)) return false;

        var offset = TimeSpan.Zero;
        var hasOffset = false;
        if (m.Groups["tz"].Success)
        {
            hasOffset = true;
            var tz = m.Groups["tz"].Value;
            if (tz != "Z")
            {
                var hours = int.Parse(tz.AsSpan(1, 2), CultureInfo.InvariantCulture);
                var minutes = int.Parse(tz.AsSpan(4, 2), CultureInfo.InvariantCulture);
                offset = new TimeSpan(hours, minutes, 0);
                if (minutes > 59 || offset > MaxOffset) return false;
                if (tz[0] == '-') offset = -offset;
            }
        }

        DatePrecision precision;
        DateTimeOffset start;
        DateTimeOffset end;
        if (!m.Groups["h"].Success)
        {
            precision = m.Groups["d"].Success ? DatePrecision.Day : m.Groups["M"].Success ? DatePrecision.Month : DatePrecision.Year;
            start = new DateTimeOffset(year, month, day, 0, 0, 0, TimeSpan.Zero);
            end = precision switch
            {
                DatePrecision.Year => AddClamped(start, s => s.AddYears(1)),
                DatePrecision.Month => AddClamped(start, s => s.AddMonths(1)),
                _ => AddClamped(start, s => s.AddDays(1)),
            };
        }
        else
        {
            var hour = int.Parse(m.Groups["h"].Value, CultureInfo.InvariantCulture);
            var minute = int.Parse(m.Groups["m"].Value, CultureInfo.InvariantCulture);
            if (hour > 23 || minute > 59) return false;
            var second = 0;
            var ticks = 0L;
            precision = DatePrecision.Minute;
            if (m.Groups["s"].Success)
            {
                second = int.Parse(m.Groups["s"].Value, CultureInfo.InvariantCulture);
                if (second > 59) return false;
                precision = DatePrecision.Second;
            }
            var fraction = m.Groups["f"].Value;
            if (fraction.Length > 0)
            {
                precision = DatePrecision.Fraction;
                var digits = fraction.Length > 7 ? fraction[..7] : fraction.PadRight(7, '0');
                ticks = long.Parse(digits, CultureInfo.InvariantCulture);
            }
            var local = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Unspecified).AddTicks(ticks);
            var utcTicks = local.Ticks - offset.Ticks;
            if (utcTicks < DateTimeOffset.MinValue.Ticks || utcTicks > DateTimeOffset.MaxValue.Ticks)
            {
                return false; // a valid FHIR text, but an instant before year 1 or after year 9999 in UTC
            }
            start = new DateTimeOffset(local, offset);
            end = precision switch
            {
                DatePrecision.Minute => AddClamped(start, s => s.AddMinutes(1)),
                DatePrecision.Second => AddClamped(start, s => s.AddSeconds(1)),
                _ => AddClamped(start, s => s.AddTicks((long)Math.Pow(10, 7 - Math.Min(fraction.Length, 7)))),
            };
        }

        value = new PartialDateTime(text, precision, start, end, hasOffset);
        return true;
    }

    private static readonly TimeSpan MaxOffset = TimeSpan.FromHours(14);

    /// <summary>The end of a range that reaches past year 9999 is the last instant there is.</summary>
    private static DateTimeOffset AddClamped(DateTimeOffset start, Func<DateTimeOffset, DateTimeOffset> add)
    {
        try
        {
            return add(start);
        }
        catch (ArgumentOutOfRangeException)
        {
            return DateTimeOffset.MaxValue;
        }
    }

    public static PartialDateTime Parse(string text) =>
        TryParse(text, out var value) ? value : throw new FormatException($"'{text}' is not a FHIR date or dateTime.");

    /// <summary>A FHIR <c>date</c>: year, year-month or full date, no time.</summary>
    public static bool IsValidDate(string? text) => TryParse(text, out var v) && v.Precision <= DatePrecision.Day;

    /// <summary>A FHIR <c>dateTime</c>: a date, or a date and time with an offset.</summary>
    public static bool IsValidDateTime(string? text) =>
        TryParse(text, out var v) && (v.Precision <= DatePrecision.Day || (v.HasOffset && v.Precision >= DatePrecision.Second));

    /// <summary>A FHIR <c>instant</c>: always to the second or finer, always with an offset.</summary>
    public static bool IsValidInstant(string? text) =>
        TryParse(text, out var v) && v.HasOffset && v.Precision >= DatePrecision.Second;

    /// <summary>The instant as FHIR writes it: UTC with milliseconds.</summary>
    public static string FormatInstant(DateTimeOffset instant) =>
        instant.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    // Search values may omit seconds (2024-01-15T10:30Z); stored dateTimes must not (IsValidDateTime).
    [GeneratedRegex(@"^(?<y>[0-9]{4})(-(?<M>0[1-9]|1[0-2])(-(?<d>0[1-9]|[12][0-9]|3[01])(T(?<h>[0-9]{2}):(?<m>[0-9]{2})(:(?<s>[0-9]{2})(\.(?<f>[0-9]+))?)?(?<tz>Z|[+-][0-9]{2}:[0-9]{2})?)?)?)?\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
