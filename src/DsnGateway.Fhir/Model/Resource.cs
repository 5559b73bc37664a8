using Hl7.Fhir.Model;

namespace DsnGateway.Fhir.Model;

/// <summary>What this product asks of every resource beyond Firely's model.</summary>
public static class ResourceExtensions
{
    /// <summary>The relative reference of this resource, <c>Type/id</c>.</summary>
    public static string ToReference(this Resource resource) => $"{resource.TypeName}/{resource.Id}";
}
