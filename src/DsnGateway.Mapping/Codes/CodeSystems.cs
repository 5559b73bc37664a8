using DsnGateway.Mapping.Establishments;

namespace DsnGateway.Mapping.Codes;

/// <summary>
/// The code systems of DESIGN.md's "Identifier and code systems": the two national ones a sender may already
/// use (CWE.3 <c>DIN</c> or <c>CCI</c>) and the per-establishment namespace every other local code lives in
/// until a code map translates it.
/// </summary>
public static class CodeSystems
{
    /// <summary>Health Canada Drug Identification Number.</summary>
    public const string Din = "http://hl7.org/fhir/NamingSystem/ca-hc-din";

    /// <summary>Canadian Classification of Health Interventions.</summary>
    public const string Cci = "https://fhir.infoway-inforoute.ca/CodeSystem/cci";

    /// <summary>The CWE.3 value meaning "no coding system given": a code the establishment made up itself.</summary>
    public const string UnnamedLocalSystem = "local";

    /// <summary>
    /// The FHIR system of a code as the sender named its system (CWE.3): DIN and CCI are national; anything else
    /// is <c>urn:dsn:code:&lt;est&gt;:&lt;CWE.3 lower case&gt;</c> (<c>local</c> when CWE.3 is empty).
    /// </summary>
    public static string For(Establishment establishment, string? codingSystem)
    {
        ArgumentNullException.ThrowIfNull(establishment);
        var name = codingSystem?.Trim();
        if (string.Equals(name, "DIN", StringComparison.OrdinalIgnoreCase)) return Din;
        if (string.Equals(name, "CCI", StringComparison.OrdinalIgnoreCase)) return Cci;
        return Local(establishment, name);
    }

    /// <summary>The local namespace of an establishment's coding system.</summary>
    public static string Local(Establishment establishment, string? codingSystem)
    {
        ArgumentNullException.ThrowIfNull(establishment);
        var name = string.IsNullOrWhiteSpace(codingSystem) ? UnnamedLocalSystem : codingSystem.Trim().ToLowerInvariant();
        return $"urn:dsn:code:{establishment.LowerCode}:{Uri.EscapeDataString(name)}";
    }

    /// <summary>True for the national systems: a code already in one of them needs no map and is never "unmapped".</summary>
    public static bool IsStandard(string system) => system is Din or Cci;
}
