using System.Globalization;

namespace DsnGateway.Mapping.Identity;

/// <summary>
/// The Quebec health insurance number (NAM, RAMQ): 4 letters (3 of the birth surname, 1 of the given name),
/// then YY MM DD of birth with 50 added to MM for women, then 2 administrative digits. Spaces are ignored and
/// letters upper-cased. The date and sex it encodes must agree with the message's birth date and sex: a NAM
/// that disagrees is an error, never written (it would bind one person's records to another).
/// </summary>
public static class QuebecHealthNumber
{
    /// <summary>FHIR identifier system of the NAM (CA Baseline).</summary>
    public const string System = "https://fhir.infoway-inforoute.ca/NamingSystem/ca-qc-patient-healthcare-id";

    /// <summary>The NAM as stored: upper case, no spaces; or an error saying what is wrong.</summary>
    /// <param name="birthDate">The birth date the sender states (PID-7), at its precision; null when absent (then not checked).</param>
    /// <param name="administrativeSex">PID-8: M and F are checked against the month; anything else allows either month.</param>
    public static NamCheck Check(string raw, PartialDate? birthDate, string? administrativeSex)
    {
        var nam = new string(raw.Where(c => !char.IsWhiteSpace(c)).ToArray()).ToUpperInvariant();
        if (nam.Length != 12 || !nam[..4].All(c => c is >= 'A' and <= 'Z') || !nam[4..].All(char.IsAsciiDigit))
            return NamCheck.Invalid(nam, "a NAM is 4 letters and 8 digits");

        var yy = int.Parse(nam.AsSpan(4, 2), CultureInfo.InvariantCulture);
        var mm = int.Parse(nam.AsSpan(6, 2), CultureInfo.InvariantCulture);
        var dd = int.Parse(nam.AsSpan(8, 2), CultureInfo.InvariantCulture);
        var female = mm > 50;
        var month = female ? mm - 50 : mm;
        if (month is < 1 or > 12) return NamCheck.Invalid(nam, $"month {mm:00} is neither 01-12 (male) nor 51-62 (female)");
        if (dd is < 1 or > 31) return NamCheck.Invalid(nam, $"day {dd:00} is not a day of the month");

        switch (administrativeSex?.Trim().ToUpperInvariant())
        {
            case "M" when female:
                return NamCheck.Invalid(nam, "the NAM encodes a woman (month + 50) but the sex is M");
            case "F" when !female:
                return NamCheck.Invalid(nam, "the NAM encodes a man but the sex is F");
        }

        if (birthDate is { } date)
        {
            if (date.Year % 100 != yy) return NamCheck.Invalid(nam, "its year of birth disagrees with the birth date");
            if (date.Month is { } m && m != month) return NamCheck.Invalid(nam, "its month of birth disagrees with the birth date");
            if (date.Day is { } d && d != dd) return NamCheck.Invalid(nam, "its day of birth disagrees with the birth date");
        }
        else if (dd > DateTime.DaysInMonth(2000, month))
        {
            return NamCheck.Invalid(nam, $"day {dd:00} does not exist in month {month:00}");
        }
        return NamCheck.Valid(nam);
    }
}

/// <summary>A birth date at the precision the sender gave it.</summary>
public readonly record struct PartialDate(int Year, int? Month, int? Day);

/// <summary>The outcome of checking a NAM.</summary>
public sealed record NamCheck(bool IsValid, string Normalized, string? Problem)
{
    public static NamCheck Valid(string nam) => new(true, nam, null);

    public static NamCheck Invalid(string nam, string problem) => new(false, nam, $"NAM malformed or disagreeing: {problem}");
}
