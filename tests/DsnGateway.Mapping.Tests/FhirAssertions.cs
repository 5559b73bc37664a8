using System.Text.Json;
using DsnGateway.Fhir.Serialization;
using Hl7.Fhir.Model;

namespace DsnGateway.Mapping.Tests;

internal static class FhirAssertions
{
    /// <summary>
    /// Firely's deep comparison: every element and value the same, none more and none fewer (what comparing the whole
    /// object meant with the former model). A failure shows both sides as FHIR JSON.
    /// </summary>
    public static void ShouldBeExactly<T>(this T actual, T expected) where T : Base
    {
        ArgumentNullException.ThrowIfNull(actual);
        actual.IsExactly(expected).Should().BeTrue($"{Json(actual)} should be exactly {Json(expected)}");
    }

    private static string Json(Base element) => JsonSerializer.Serialize(element, element.GetType(), FhirJson.Options);
}
