namespace DsnGateway.Mapping.Patients;

/// <summary>Small rules for reading HL7 values into FHIR strings.</summary>
internal static class Hl7Values
{
    /// <summary>
    /// A value as FHIR wants it: trimmed, and null when empty or HL7's explicit null (<c>""</c>). The PID is the
    /// sender's whole current snapshot, so "delete" and "absent" both mean "not in the new Patient".
    /// </summary>
    public static string? Clean(string? value)
    {
        if (value is null) return null;
        var v = value.Trim();
        return v.Length == 0 || v == "\"\"" ? null : v;
    }

    /// <summary>The values that are not empty, in order (an empty list when none is).</summary>
    public static List<string> ListOf(params string?[] values) => [.. values.Select(Clean).OfType<string>()];
}
