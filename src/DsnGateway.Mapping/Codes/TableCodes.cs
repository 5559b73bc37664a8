using Hl7.Fhir.Model;
using DsnGateway.Hl7v2.Types;
using DsnGateway.Mapping.Establishments;

namespace DsnGateway.Mapping.Codes;

/// <summary>
/// Coded fields that name an HL7 table rather than a drug or an intervention (route 0162, site 0163, method 0165,
/// repeat pattern 0335): a code without a coding system, or with <c>HL7nnnn</c>, is in the field's own table
/// (<c>http://terminology.hl7.org/CodeSystem/v2-nnnn</c>); any other system is the establishment's local one.
/// These are never counted as unmapped: the report is about drugs and procedures.
/// </summary>
public static class TableCodes
{
    public const string UcumSystem = "http://unitsofmeasure.org";

    public static string TableSystem(string table) => $"http://terminology.hl7.org/CodeSystem/v2-{table}";

    /// <param name="table">The field's HL7 table, four digits (e.g. 0162).</param>
    public static CodeableConcept? Concept(Cwe cwe, string table, Establishment establishment)
    {
        ArgumentNullException.ThrowIfNull(cwe);
        var code = cwe.Identifier.Trim();
        var text = cwe.Text.Trim();
        if (code.Length == 0 && text.Length == 0) return null;
        if (code.Length == 0) return new CodeableConcept { Text = text };
        var named = cwe.CodingSystem.Trim();
        var system = named.Length == 0 || string.Equals(named, "HL7" + table, StringComparison.OrdinalIgnoreCase)
            ? TableSystem(table)
            : CodeSystems.Local(establishment, named);
        return new CodeableConcept
        {
            Coding = [new Coding { System = system, Code = code, Display = text.Length == 0 ? null : text }],
            Text = text.Length == 0 ? null : text,
        };
    }

    /// <summary>A quantity's unit (RXE-5, RXO-4...): UCUM when the sender says so (CWE.3 <c>UCUM</c>), else text only.</summary>
    public static Quantity Quantity(decimal value, Cwe unit)
    {
        ArgumentNullException.ThrowIfNull(unit);
        var code = unit.Identifier.Trim();
        var text = unit.Text.Trim();
        var ucum = string.Equals(unit.CodingSystem.Trim(), "UCUM", StringComparison.OrdinalIgnoreCase) && code.Length > 0;
        return new Quantity
        {
            Value = value,
            Unit = text.Length > 0 ? text : code.Length > 0 ? code : null,
            System = ucum ? UcumSystem : null,
            Code = ucum ? code : null,
        };
    }
}
