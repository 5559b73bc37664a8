namespace DsnGateway.Mapping.Csv;

/// <summary>What the rows of a CSV export describe; each kind has its own columns and becomes its own resource.</summary>
public enum CsvKind
{
    /// <summary>One patient per row: a Patient (demographics, NAM and/or MRN).</summary>
    Patients,

    /// <summary>One medication order per row: a MedicationRequest of a patient already known.</summary>
    MedicationOrders,

    /// <summary>One procedure per row: a Procedure of a patient already known.</summary>
    Procedures,
}

/// <summary>The names of the kinds as they appear in commands, URLs and the layout file.</summary>
public static class CsvKinds
{
    public static IReadOnlyList<string> Names { get; } = ["patients", "medication-orders", "procedures"];

    public static string Name(CsvKind kind) => kind switch
    {
        CsvKind.Patients => "patients",
        CsvKind.MedicationOrders => "medication-orders",
        CsvKind.Procedures => "procedures",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static bool TryParse(string? name, out CsvKind kind)
    {
        switch (name?.Trim().ToLowerInvariant())
        {
            case "patients": kind = CsvKind.Patients; return true;
            case "medication-orders": kind = CsvKind.MedicationOrders; return true;
            case "procedures": kind = CsvKind.Procedures; return true;
            default: kind = default; return false;
        }
    }
}
