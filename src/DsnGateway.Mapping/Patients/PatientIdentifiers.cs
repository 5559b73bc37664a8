using DsnGateway.Fhir.Model;
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

    private static Identifier Make(string system, string value, string? typeCode) => new()
    {
        Type = typeCode is null ? null : new CodeableConcept { Coding = [new Coding { System = V2IdentifierTypeSystem, Code = typeCode }] },
        System = system,
        Value = value,
    };
}
