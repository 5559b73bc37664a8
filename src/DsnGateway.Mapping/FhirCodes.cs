using Hl7.Fhir.Utility;

namespace DsnGateway.Mapping;

/// <summary>FHIR code literals of the mapping's own tables as Firely's enums.</summary>
internal static class FhirCodes
{
    /// <summary>
    /// The enum member of a literal the mapping chose itself (a status table, a layout's spellings checked at load):
    /// one that is not a member is a fault of this code, not of the input, so it throws.
    /// </summary>
    public static T Parse<T>(string literal) where T : struct, Enum =>
        EnumUtility.ParseLiteral<T>(literal) ?? throw new InvalidOperationException($"'{literal}' is not a code of {typeof(T).Name}");
}
