using System.Globalization;

namespace DsnGateway.Hl7v2.Types;

/// <summary>How much of an HL7 date/time was sent: a birth year is not a birth date at midnight.</summary>
public enum Hl7DateTimePrecision { Year, Month, Day, Hour, Minute, Second }

/// <summary>Why a date/time could not be read; table 0357 code 102 (data type error).</summary>
public sealed record Hl7DateTimeError(string Input, string Message)
{
    public int Code => Hl7ErrorCodes.DataTypeError;

    public override string ToString() => Message;
}

/// <summary>
/// An HL7 DTM/TS value, <c>YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]</c>, with the precision it was sent with.
/// Converted to FHIR, a date stays a date at its precision; a time without an offset is local time of the
/// establishment, whose IANA zone supplies the offset valid on that day (DESIGN.md, "Dates").
/// </summary>
public sealed record Hl7DateTime(int Year, int Month, int Day, int Hour, int Minute, int Second, string Fraction, Hl7DateTimePrecision Precision, TimeSpan? Offset)
{
    public static bool TryParse(string? text, out Hl7DateTime value, out Hl7DateTimeError? error)
    {
        value = null!;
        var input = text ?? "";
        var s = input.Trim().AsSpan();
        error = Check(input, s, out var parsed);
        if (error is not null) return false;
        value = parsed!;
        return true;
    }

    /// <summary>Parses or throws <see cref="FormatException"/>; for values known to be valid (tests, constants).</summary>
    public static Hl7DateTime Parse(string text) =>
        TryParse(text, out var value, out var error) ? value : throw new FormatException(error!.Message);

    private static Hl7DateTimeError? Check(string input, ReadOnlySpan<char> s, out Hl7DateTime? value)
    {
        value = null;
        Hl7DateTimeError Fail(string why) => new(input, $"'{input}' is not an HL7 date/time ({why}); expected YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ].");
        if (s.IsEmpty) return Fail("empty");

        TimeSpan? offset = null;
        var sign = s.IndexOfAny('+', '-');
        if (sign >= 0)
        {
            var zone = s[(sign + 1)..];
            if (zone.Length != 4 || !AllDigits(zone)) return Fail("the offset must be +HHMM or -HHMM");
            var oh = Two(zone, 0);
            var om = Two(zone, 2);
            if (oh > 14 || om > 59 || (oh == 14 && om > 0)) return Fail("the offset is out of range");
            var magnitude = new TimeSpan(oh, om, 0);
            offset = s[sign] == '-' ? magnitude.Negate() : magnitude;
            s = s[..sign];
        }

        var fraction = "";
        var dot = s.IndexOf('.');
        if (dot >= 0)
        {
            var f = s[(dot + 1)..];
            if (dot != 14) return Fail("fractional seconds need all of YYYYMMDDHHMMSS before them");
            if (f.Length is 0 or > 6 || !AllDigits(f)) return Fail("the fraction of a second must be 1 to 4 digits (6 tolerated)");
            fraction = f.ToString();
            s = s[..dot];
        }

        if (!AllDigits(s)) return Fail("only digits are allowed before the offset");
        var precision = s.Length switch
        {
            4 => Hl7DateTimePrecision.Year,
            6 => Hl7DateTimePrecision.Month,
            8 => Hl7DateTimePrecision.Day,
            10 => Hl7DateTimePrecision.Hour,
            12 => Hl7DateTimePrecision.Minute,
            14 => Hl7DateTimePrecision.Second,
            _ => (Hl7DateTimePrecision?)null,
        };
        if (precision is null) return Fail($"{s.Length} digits do not make a date/time");

        var year = int.Parse(s[..4], CultureInfo.InvariantCulture);
        int month = 1, day = 1, hour = 0, minute = 0, second = 0;
        if (year < 1) return Fail("the year is out of range");
        if (s.Length >= 6 && (month = Two(s, 4)) is < 1 or > 12) return Fail("the month is out of range");
        if (s.Length >= 8 && ((day = Two(s, 6)) < 1 || day > DateTime.DaysInMonth(year, month))) return Fail("the day does not exist in that month");
        if (s.Length >= 10 && (hour = Two(s, 8)) > 23) return Fail("the hour is out of range");
        if (s.Length >= 12 && (minute = Two(s, 10)) > 59) return Fail("the minute is out of range");
        if (s.Length >= 14 && (second = Two(s, 12)) > 59) return Fail("the second is out of range");
        value = new Hl7DateTime(year, month, day, hour, minute, second, fraction, precision.Value, offset);
        return null;
    }

    public bool HasTime => Precision >= Hl7DateTimePrecision.Hour;

    /// <summary>A FHIR date at this value's precision (at most a day): <c>1985</c>, <c>1985-06</c>, <c>1985-06-15</c>.</summary>
    public string ToFhirDate() => Precision switch
    {
        Hl7DateTimePrecision.Year => Year.ToString("D4", CultureInfo.InvariantCulture),
        Hl7DateTimePrecision.Month => $"{Year:D4}-{Month:D2}",
        _ => $"{Year:D4}-{Month:D2}-{Day:D2}",
    };

    /// <summary>
    /// A FHIR date (when no time was sent) or dateTime. A time without an offset takes the offset
    /// <paramref name="localZone"/> has on that day (daylight saving included); FHIR requires seconds, so
    /// missing minutes and seconds are written as <c>00</c>.
    /// </summary>
    public string ToFhir(TimeZoneInfo localZone)
    {
        if (!HasTime) return ToFhirDate();
        var offset = OffsetIn(localZone);
        var fraction = Fraction.Length > 0 ? "." + Fraction : "";
        return $"{Year:D4}-{Month:D2}-{Day:D2}T{Hour:D2}:{Minute:D2}:{Second:D2}{fraction}{FormatOffset(offset)}";
    }

    /// <summary>The instant this value names (missing parts taken as their first value), for "latest wins" comparisons.</summary>
    public DateTimeOffset ToDateTimeOffset(TimeZoneInfo localZone)
    {
        var ticks = Fraction.Length > 0 ? long.Parse(Fraction.PadRight(7, '0')[..7], CultureInfo.InvariantCulture) : 0;
        return new DateTimeOffset(new DateTime(Year, Month, Day, Hour, Minute, Second).AddTicks(ticks), OffsetIn(localZone));
    }

    private TimeSpan OffsetIn(TimeZoneInfo localZone) =>
        // Ambiguous local times (the repeated hour in autumn) resolve to standard time, as TimeZoneInfo does.
        Offset ?? localZone.GetUtcOffset(new DateTime(Year, Month, Day, Hour, Minute, Second, DateTimeKind.Unspecified));

    /// <summary>Parses HL7 text and converts it to FHIR in one step.</summary>
    public static bool TryConvertToFhir(string? hl7, TimeZoneInfo localZone, out string fhir, out Hl7DateTimeError? error)
    {
        fhir = "";
        if (!TryParse(hl7, out var value, out error)) return false;
        fhir = value.ToFhir(localZone);
        return true;
    }

    /// <summary>
    /// The establishment's zone by IANA id (e.g. <c>America/Toronto</c>); null when this machine does not know it,
    /// so configuration errors can be reported instead of thrown.
    /// </summary>
    public static TimeZoneInfo? FindZone(string ianaId) => Zones.GetOrAdd(ianaId, static id =>
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException or ArgumentException)
        {
            return null;
        }
    });

    // Every message of an establishment asks for the same zone: looked up once (the runtime's own lookup locks).
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, TimeZoneInfo?> Zones = new(StringComparer.Ordinal);

    private static string FormatOffset(TimeSpan offset)
    {
        var sign = offset < TimeSpan.Zero ? '-' : '+';
        var abs = offset.Duration();
        return $"{sign}{abs.Hours:D2}:{abs.Minutes:D2}";
    }

    private static bool AllDigits(ReadOnlySpan<char> s)
    {
        if (s.IsEmpty) return false;
        foreach (var c in s) if (!char.IsAsciiDigit(c)) return false;
        return true;
    }

    private static int Two(ReadOnlySpan<char> s, int at) => (s[at] - '0') * 10 + (s[at + 1] - '0');

    public override string ToString()
    {
        var digits = Precision switch
        {
            Hl7DateTimePrecision.Year => $"{Year:D4}",
            Hl7DateTimePrecision.Month => $"{Year:D4}{Month:D2}",
            Hl7DateTimePrecision.Day => $"{Year:D4}{Month:D2}{Day:D2}",
            Hl7DateTimePrecision.Hour => $"{Year:D4}{Month:D2}{Day:D2}{Hour:D2}",
            Hl7DateTimePrecision.Minute => $"{Year:D4}{Month:D2}{Day:D2}{Hour:D2}{Minute:D2}",
            _ => $"{Year:D4}{Month:D2}{Day:D2}{Hour:D2}{Minute:D2}{Second:D2}" + (Fraction.Length > 0 ? "." + Fraction : ""),
        };
        if (Offset is { } o) digits += $"{(o < TimeSpan.Zero ? '-' : '+')}{o.Duration().Hours:D2}{o.Duration().Minutes:D2}";
        return digits;
    }
}
