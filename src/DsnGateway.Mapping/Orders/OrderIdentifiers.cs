using Hl7.Fhir.Model;
using DsnGateway.Mapping.Establishments;

namespace DsnGateway.Mapping.Orders;

/// <summary>
/// The business identifiers of a medication order (DESIGN.md): the placer number (ORC-2.1, given by the system
/// that placed the order) and the filler number (ORC-3.1, given by the pharmacy), each in its establishment's
/// namespace. Either finds the one MedicationRequest of that order, so a later message updates it.
/// </summary>
public static class OrderIdentifiers
{
    public const string IdentifierTypeSystem = "http://terminology.hl7.org/CodeSystem/v2-0203";

    public static string PlacerSystem(Establishment establishment) => $"urn:dsn:order:{establishment.LowerCode}:placer";

    public static string FillerSystem(Establishment establishment) => $"urn:dsn:order:{establishment.LowerCode}:filler";

    /// <summary>The placer number as an Identifier (type PLAC); null when empty.</summary>
    public static Identifier? Placer(Establishment establishment, string? value) =>
        Create(PlacerSystem(establishment), value, "PLAC", "Placer Identifier");

    /// <summary>The filler number as an Identifier (type FILL); null when empty.</summary>
    public static Identifier? Filler(Establishment establishment, string? value) =>
        Create(FillerSystem(establishment), value, "FILL", "Filler Identifier");

    private static Identifier? Create(string system, string? value, string type, string display)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        return new Identifier
        {
            Type = new CodeableConcept { Coding = [new Coding { System = IdentifierTypeSystem, Code = type, Display = display }] },
            System = system,
            Value = value.Trim(),
        };
    }
}
