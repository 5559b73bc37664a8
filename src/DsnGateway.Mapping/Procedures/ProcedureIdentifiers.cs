using Hl7.Fhir.Model;
using DsnGateway.Mapping.Establishments;

namespace DsnGateway.Mapping.Procedures;

/// <summary>
/// The business identifier of a procedure (DESIGN.md): PR1-19.1 in <c>urn:dsn:procedure:&lt;est&gt;</c>. When a
/// sender leaves PR1-19 empty, the procedure is still found again by a key derived from what identifies it in
/// the message, in a system of its own (<c>urn:dsn:procedure:&lt;est&gt;:derived</c>) so that a derived key can
/// never collide with a number the sender gives.
/// </summary>
public static class ProcedureIdentifiers
{
    public static string System(Establishment establishment) => $"urn:dsn:procedure:{establishment.LowerCode}";

    public static string DerivedSystem(Establishment establishment) => $"urn:dsn:procedure:{establishment.LowerCode}:derived";

    /// <summary>PR1-19.1 (or a CSV export's procedure id column); null when empty.</summary>
    public static Identifier? Given(Establishment establishment, string? value) =>
        string.IsNullOrWhiteSpace(value) ? null : new Identifier { System = System(establishment), Value = value.Trim() };

    /// <summary>A key built from the parts that identify the procedure when the sender gave no number, joined by '/'.</summary>
    public static Identifier Derived(Establishment establishment, params string[] parts)
    {
        if (parts.Length == 0 || parts.Any(string.IsNullOrWhiteSpace))
            throw new ArgumentException("every part of a derived procedure key must be valued", nameof(parts));
        return new Identifier { System = DerivedSystem(establishment), Value = string.Join('/', parts.Select(p => p.Trim())) };
    }
}
