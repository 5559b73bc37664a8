namespace DsnGateway.Hl7v2.Parsing;

/// <summary>
/// Ceilings that keep hostile input bounded. A message over any of them is refused with a structured
/// error before it can cost much memory or time.
/// </summary>
public sealed record Hl7ParserOptions
{
    public static Hl7ParserOptions Default { get; } = new();

    /// <summary>Checked before anything else is done with the bytes (DESIGN.md: 1 MiB, as for MLLP frames).</summary>
    public int MaxMessageBytes { get; init; } = 1024 * 1024;

    public int MaxSegments { get; init; } = 10_000;

    /// <summary>The widest standard segment has well under 100 fields; 1,000 leaves room for Z-segments.</summary>
    public int MaxFieldsPerSegment { get; init; } = 1_000;

    public int MaxRepetitionsPerField { get; init; } = 10_000;

    /// <summary>The set used when MSH-18 is empty: the sender's configured default, UTF-8 unless configured.</summary>
    public System.Text.Encoding? DefaultCharacterSet { get; init; }
}
