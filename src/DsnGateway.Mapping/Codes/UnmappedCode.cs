namespace DsnGateway.Mapping.Codes;

/// <summary>
/// A local code that arrived without a map to its standard. It is stored as is (nothing is refused for it) and
/// counted, so the integration team sees in <c>codes unmapped</c> which codes to map next.
/// </summary>
/// <param name="Establishment">The establishment code, e.g. NIM.</param>
/// <param name="System">The local FHIR system it was stored under (<see cref="CodeSystems.Local"/>).</param>
public sealed record UnmappedCode(string Establishment, CodeKind Kind, string System, string Code, string? Display);
