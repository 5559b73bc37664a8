using Hl7.Fhir.Model;
using DsnGateway.Hl7v2;
using DsnGateway.Hl7v2.Types;
using DsnGateway.Mapping.Establishments;
using DsnGateway.Mapping.Identity;

namespace DsnGateway.Mapping.Patients;

/// <summary>
/// CX (PID-3 repetitions and PID-2) to Identifier, by DESIGN.md's table: the NAM (authority RAMQ or type JHN/NAM)
/// to the CA Baseline system, an MRN (authority = a registered establishment code, whoever sent it) to
/// <c>urn:dsn:mrn:&lt;est&gt;</c>, anything else to <c>urn:dsn:id:&lt;sending est&gt;:&lt;authority&gt;</c>.
/// </summary>
internal static class PatientIdentifiers
{
    public const string V2IdentifierTypeSystem = "http://terminology.hl7.org/CodeSystem/v2-0203";
    private const string RamqAuthority = "RAMQ";

    /// <summary>Maps every identifier of the PID; an invalid or ambiguous NAM is an error (code 102).</summary>
    public static MappingResult<List<Identifier>> Map(
        IReadOnlyList<(Cx Cx, Hl7ErrorLocation Location)> sources, Establishment sender, EstablishmentRegistry establishments,
        PartialDate? birthDate, string? sex)
    {
        var result = new List<Identifier>();
        string? nam = null;
        foreach (var (cx, location) in sources)
        {
            var value = Hl7Values.Clean(cx.Id);
            if (value is null) continue;
            var authority = Hl7Values.Clean(cx.AssigningAuthority.NamespaceId) ?? Hl7Values.Clean(cx.AssigningAuthority.UniversalId);
            var type = Hl7Values.Clean(cx.IdentifierTypeCode)?.ToUpperInvariant();
            if (type is not null && !FhirCodes.IsCode(type))
                return MappingResult<List<Identifier>>.Failure(Hl7ErrorCodes.DataTypeError, location with { Component = 5 },
                    FhirCodes.NotACode("the identifier type (CX.5)", type));

            Identifier identifier;
            if (IsNam(authority, type))
            {
                var check = QuebecHealthNumber.Check(value, birthDate, sex);
                if (!check.IsValid) return MappingResult<List<Identifier>>.Failure(Hl7ErrorCodes.DataTypeError, location, check.Problem!);
                // Two different NAMs for one person would bind two people's records together: refuse, never guess.
                if (nam is not null && nam != check.Normalized)
                    return MappingResult<List<Identifier>>.Failure(Hl7ErrorCodes.DataTypeError, location,
                        $"NAM malformed or disagreeing: the PID carries two different NAMs ({nam} and {check.Normalized})");
                nam = check.Normalized;
                identifier = Make(QuebecHealthNumber.System, check.Normalized, "JHN");
            }
            else if (establishments.ByCode(authority) is { } owner)
            {
                identifier = Make(owner.MrnSystem, value, "MR");
            }
            else
            {
                identifier = Make(sender.OtherIdentifierSystem(authority ?? "unknown"), value, type);
            }

            if (!result.Any(i => i.System == identifier.System && i.Value == identifier.Value)) result.Add(identifier);
        }
        return MappingResult<List<Identifier>>.Success(result);
    }

    private static bool IsNam(string? authority, string? type) =>
        string.Equals(authority, RamqAuthority, StringComparison.OrdinalIgnoreCase) || type is "JHN" or "NAM";

    /// <summary>
    /// The type of an identifier whose CX.5 is empty: "unknown" in HL7's null-flavor system. CA Baseline's Patient
    /// profile slices identifiers by type, and Firely's validator files a typeless identifier under its JHN slice
    /// (which requires a type), so an empty type made the Patient invalid there (issue 12, docs/arch/0017).
    /// </summary>
    private static readonly Coding UnknownType = new() { System = "http://terminology.hl7.org/CodeSystem/v3-NullFlavor", Code = "UNK", Display = "unknown" };

    private static Identifier Make(string system, string value, string? typeCode) => new()
    {
        Type = new CodeableConcept
        {
            Coding = [typeCode is null
                ? new Coding { System = UnknownType.System, Code = UnknownType.Code, Display = UnknownType.Display }
                : new Coding { System = V2IdentifierTypeSystem, Code = typeCode }],
        },
        System = system,
        Value = value,
    };
}
