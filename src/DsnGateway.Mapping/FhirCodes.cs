using Hl7.Fhir.Model;
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

    /// <summary>
    /// True when a sender's value can be a FHIR <c>code</c>: no leading or trailing whitespace, no run of whitespace
    /// inside. Firely's strict parse refuses any other, so the mapping refuses it first, where it can say which field.
    /// </summary>
    public static bool IsCode(string value) => Code.IsValidValue(value);

    /// <summary>The reason given for a value that cannot be a FHIR code.</summary>
    public static string NotACode(string what, string value) =>
        $"{what} '{value}' is not a valid FHIR code (no leading, trailing or repeated whitespace)";
}
