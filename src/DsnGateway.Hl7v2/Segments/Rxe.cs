using DsnGateway.Hl7v2.Parsing;
using DsnGateway.Hl7v2.Types;

namespace DsnGateway.Hl7v2.Segments;

/// <summary>RXE, pharmacy encoded order (RDE): what to give, how much, how often.</summary>
public sealed class Rxe(Segment segment) : SegmentView(segment, "RXE")
{
    /// <summary>RXE-1, quantity/timing (TQ), withdrawn in 2.5 in favour of TQ1 but still sent; raw.</summary>
    public string QuantityTiming => Segment.Field(1).Raw;
    /// <summary>RXE-2, the drug (CWE.3 = DIN for Health Canada drug numbers).</summary>
    public Cwe GiveCode => First(2, Cwe.From);
    public string GiveAmountMinimum => Value(3);
    public string GiveAmountMaximum => Value(4);
    public Cwe GiveUnits => First(5, Cwe.From);
    public Cwe GiveDosageForm => First(6, Cwe.From);
    public IReadOnlyList<Cwe> ProvidersAdministrationInstructions => All(7, Cwe.From);
    public string DispenseAmount => Value(10);
    public Cwe DispenseUnits => First(11, Cwe.From);
    public string NumberOfRefills => Value(12);
    public IReadOnlyList<Xcn> OrderingProvidersDea => All(13, Xcn.From);
    public string PrescriptionNumber => Value(15);
    /// <summary>RXE-21, the pharmacy's special dispensing instructions.</summary>
    public IReadOnlyList<Cwe> PharmacySpecialDispensingInstructions => All(21, Cwe.From);
    public string GivePerTimeUnit => Value(22);
    public string GiveRateAmount => Value(23);
    public Cwe GiveRateUnits => First(24, Cwe.From);
    public string GiveStrength => Value(25);
    public Cwe GiveStrengthUnits => First(26, Cwe.From);
    public IReadOnlyList<Cwe> GiveIndications => All(27, Cwe.From);
    /// <summary>RXE-32, original order date/time.</summary>
    public string OriginalOrderDateTime => DateTimeText(32);
}
