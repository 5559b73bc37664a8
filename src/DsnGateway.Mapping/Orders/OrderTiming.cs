using System.Globalization;
using System.Text.RegularExpressions;
using Hl7.Fhir.Model;
using DsnGateway.Hl7v2.Parsing;
using DsnGateway.Hl7v2.Segments;
using DsnGateway.Hl7v2.Types;
using DsnGateway.Mapping.Codes;
using DsnGateway.Mapping.Establishments;

namespace DsnGateway.Mapping.Orders;

/// <summary>How often a dose is given: the FHIR Timing, whether it is "as needed", and the timing as the sender wrote it.</summary>
public sealed record DosageTiming(Timing Timing, bool AsNeeded, string Text);

/// <summary>
/// Quantity/timing to FHIR: from a TQ1 segment (v2.5+) or the older TQ data type (ORC-7, RXE-1). The repeat pattern
/// (HL7 table 0335) is kept as <c>Timing.code</c> and, when it is one we can read (QD, BID, TID, QID, xID, QOD,
/// QAM, QPM, QHS, Q&lt;n&gt;S/M/H/D/W/L, PRN, ONCE), also as <c>Timing.repeat</c>. The original text always goes to
/// <c>dosageInstruction.text</c>, so nothing the pharmacy wrote is lost when a pattern is not understood.
/// </summary>
public static partial class OrderTiming
{
    public static DosageTiming? From(Tq1 tq1, Establishment establishment)
    {
        ArgumentNullException.ThrowIfNull(tq1);
        return Build(tq1.RepeatPattern.Identifier, tq1.ExplicitTimes, tq1.StartDateTime, tq1.EndDateTime, tq1.TotalOccurrences, tq1.TextInstruction, establishment);
    }

    /// <summary>The TQ data type of ORC-7 or RXE-1 (first repetition): TQ.2 interval (repeat pattern &amp; explicit
    /// times), TQ.4 start, TQ.5 end, TQ.8 text, TQ.12 total occurrences.</summary>
    public static DosageTiming? From(Hl7Field field, Establishment establishment)
    {
        var tq = field.Repetition(1);
        var interval = tq.Component(2);
        var times = interval.SubComponent(2).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return Build(interval.SubComponent(1), times, tq.Value(4), tq.Value(5), tq.Value(12), tq.Value(8), establishment);
    }

    private static DosageTiming? Build(string pattern, IReadOnlyList<string> explicitTimes, string start, string end, string total, string text,
        Establishment establishment)
    {
        pattern = pattern.Trim();
        text = text.Trim();
        if (pattern.Length == 0 && text.Length == 0) return null;

        var timing = new Timing();
        var repeat = new Timing.RepeatComponent();
        var asNeeded = false;
        if (pattern.Length > 0)
        {
            // A pattern FHIR cannot hold as a code (a run of spaces inside) is kept as text: timing is read as best it can be.
            timing.Code = FhirCodes.IsCode(pattern)
                ? new CodeableConcept { Coding = [new Coding { System = TableCodes.TableSystem("0335"), Code = pattern }], Text = pattern }
                : new CodeableConcept { Text = pattern };
            asNeeded = Read(pattern.ToUpperInvariant(), repeat);
        }
        var times = explicitTimes.Select(TimeOfDay).Where(t => t is not null).ToList();
        if (times.Count > 0) repeat.TimeOfDay = times;
        var from = Instant(start, establishment);
        var to = Instant(end, establishment);
        if (from is not null || to is not null) repeat.Bounds = new Period { Start = from, End = to };
        if (int.TryParse(total.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count > 0) repeat.Count = count;
        if (repeat.Frequency is not null || repeat.TimeOfDay.Any() || repeat.Bounds is not null || repeat.Count is not null || repeat.When.Any())
            timing.Repeat = repeat;

        var original = string.Join(' ', new[] { pattern, string.Join(',', explicitTimes) }.Where(p => p.Length > 0));
        var written = string.Join("; ", new[] { original, text }.Where(p => p.Length > 0));
        return new DosageTiming(timing, asNeeded, written);
    }

    /// <summary>Fills the repeat from a table 0335 pattern; true when the pattern means "as needed".</summary>
    private static bool Read(string pattern, Timing.RepeatComponent repeat)
    {
        void Every(int frequency, decimal period, Timing.UnitsOfTime unit)
        {
            repeat.Frequency = frequency;
            repeat.Period = period;
            repeat.PeriodUnit = unit;
        }

        switch (pattern)
        {
            case "QD": Every(1, 1, Timing.UnitsOfTime.D); return false;
            case "QOD": Every(1, 2, Timing.UnitsOfTime.D); return false;
            case "BID": Every(2, 1, Timing.UnitsOfTime.D); return false;
            case "TID": Every(3, 1, Timing.UnitsOfTime.D); return false;
            case "QID": Every(4, 1, Timing.UnitsOfTime.D); return false;
            case "QAM": Every(1, 1, Timing.UnitsOfTime.D); repeat.When = [Timing.EventTiming.MORN]; return false;
            case "QPM": Every(1, 1, Timing.UnitsOfTime.D); repeat.When = [Timing.EventTiming.EVE]; return false;
            case "QHS": Every(1, 1, Timing.UnitsOfTime.D); repeat.When = [Timing.EventTiming.HS]; return false;
            case "ONCE": repeat.Count = 1; return false;
        }
        if (pattern.StartsWith("PRN", StringComparison.Ordinal)) return true;
        if (TimesADay().Match(pattern) is { Success: true } xid)
        {
            Every(int.Parse(xid.Groups[1].Value, CultureInfo.InvariantCulture), 1, Timing.UnitsOfTime.D);
            return false;
        }
        if (EveryN().Match(pattern) is { Success: true } q && int.TryParse(q.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0)
        {
            Every(1, n, q.Groups[2].Value switch
            {
                "S" => Timing.UnitsOfTime.S,
                "M" => Timing.UnitsOfTime.Min,
                "H" => Timing.UnitsOfTime.H,
                "D" => Timing.UnitsOfTime.D,
                "W" => Timing.UnitsOfTime.Wk,
                _ => Timing.UnitsOfTime.Mo,
            });
        }
        return false;
    }

    private static string? TimeOfDay(string hhmm)
    {
        var t = hhmm.Trim();
        return t.Length == 4 && t.All(char.IsAsciiDigit) && int.Parse(t[..2], CultureInfo.InvariantCulture) < 24 && int.Parse(t[2..], CultureInfo.InvariantCulture) < 60
            ? $"{t[..2]}:{t[2..]}:00"
            : null;
    }

    private static string? Instant(string text, Establishment establishment) =>
        text.Trim().Length > 0 && Hl7DateTime.TryParse(text.Trim(), out var value, out _) ? value.ToFhir(establishment.Zone) : null;

    [GeneratedRegex("^([1-9][0-9]?)ID$")]
    private static partial Regex TimesADay();

    [GeneratedRegex("^Q([0-9]{1,3})([SMHDWL])$")]
    private static partial Regex EveryN();
}
