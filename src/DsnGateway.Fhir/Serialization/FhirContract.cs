using System.Collections;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using DsnGateway.Fhir.Model;

namespace DsnGateway.Fhir.Serialization;

/// <summary>
/// Adjusts the serializer's contract to FHIR JSON: <c>resourceType</c> first on every resource, inherited
/// elements before a type's own, no empty arrays written, and the declared <c>resourceType</c> checked against the class read.
/// </summary>
internal static class FhirContract
{
    public static void Apply(JsonTypeInfo info)
    {
        if (info.Kind != JsonTypeInfoKind.Object) return;

        // The reflection resolver lists a class's own properties before its base class's; FHIR writes the
        // inherited elements first (id, meta, ... then the resource's own; id and extension first in a data type).
        var ordered = info.Properties.OrderBy(p => InheritanceDepth(p.AttributeProvider)).ToList();
        info.Properties.Clear();
        foreach (var property in ordered)
        {
            info.Properties.Add(property);
        }

        foreach (var property in info.Properties)
        {
            if (typeof(ICollection).IsAssignableFrom(property.PropertyType))
            {
                property.ShouldSerialize = static (_, value) => value is ICollection { Count: > 0 };
            }
        }

        if (typeof(Resource).IsAssignableFrom(info.Type) && !info.Type.IsAbstract)
        {
            var expected = ((Resource)Activator.CreateInstance(info.Type)!).ResourceTypeName;
            var resourceType = info.CreateJsonPropertyInfo(typeof(string), "resourceType");
            resourceType.Order = int.MinValue;
            resourceType.Get = static obj => ((Resource)obj).ResourceTypeName;
            resourceType.Set = (_, value) =>
            {
                if (!string.Equals((string?)value, expected, StringComparison.Ordinal))
                {
                    throw new JsonException($"resourceType '{value}' where '{expected}' was expected.");
                }
            };
            info.Properties.Insert(0, resourceType);
        }
    }

    private static int InheritanceDepth(System.Reflection.ICustomAttributeProvider? member)
    {
        var depth = 0;
        for (var type = (member as System.Reflection.MemberInfo)?.DeclaringType; type is not null; type = type.BaseType)
        {
            depth++;
        }
        return depth;
    }
}
