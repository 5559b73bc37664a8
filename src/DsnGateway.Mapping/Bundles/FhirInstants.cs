using System.Globalization;

namespace DsnGateway.Mapping.Bundles;

/// <summary>FHIR dateTimes computed by the mapping (not read from the message).</summary>
internal static class FhirInstants
{
    /// <summary>A dateTime to the second with the offset it has (e.g. the establishment's), not converted to UTC.</summary>
    public static string WithOffset(DateTimeOffset value) => value.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
}
