namespace DsnGateway.Mapping.Codes;

/// <summary>
/// A code as a legacy system sent it: HL7 CWE.1 / CWE.2 / CWE.3, or the code, text and system columns of a CSV
/// export.
/// </summary>
/// <param name="Code">The code itself (CWE.1).</param>
/// <param name="Display">The sender's text for it (CWE.2), kept beside any standard display.</param>
/// <param name="CodingSystem">The sender's name for its coding system (CWE.3): DIN, CCI, or a local name.</param>
public sealed record LocalCode(string Code, string? Display, string? CodingSystem)
{
    public static LocalCode? From(DsnGateway.Hl7v2.Types.Cwe cwe)
    {
        ArgumentNullException.ThrowIfNull(cwe);
        var code = cwe.Identifier.Trim();
        if (code.Length == 0) return null;
        return new LocalCode(code, string.IsNullOrWhiteSpace(cwe.Text) ? null : cwe.Text.Trim(),
            string.IsNullOrWhiteSpace(cwe.CodingSystem) ? null : cwe.CodingSystem.Trim());
    }
}
