using System.Text.Json.Serialization;

namespace DsnGateway.Fhir.Model;

/// <summary>The elements every FHIR resource has (R4 Resource).</summary>
public abstract class Resource
{
    /// <summary>The FHIR type name, written as <c>resourceType</c>.</summary>
    [JsonIgnore]
    public abstract string ResourceTypeName { get; }

    [JsonPropertyName("id")]
    public string? Id { get; set; }

    [JsonPropertyName("_id")]
    public Element? IdElement { get; set; }

    [JsonPropertyName("meta")]
    public Meta? Meta { get; set; }

    [JsonPropertyName("implicitRules")]
    public string? ImplicitRules { get; set; }

    [JsonPropertyName("_implicitRules")]
    public Element? ImplicitRulesElement { get; set; }

    [JsonPropertyName("language")]
    public string? Language { get; set; }

    [JsonPropertyName("_language")]
    public Element? LanguageElement { get; set; }

    /// <summary>The relative reference of this resource, <c>Type/id</c>.</summary>
    public string ToReference() => $"{ResourceTypeName}/{Id}";
}

/// <summary>A resource with narrative, contained resources and extensions (R4 DomainResource).</summary>
public abstract class DomainResource : Resource
{
    [JsonPropertyName("text")]
    public Narrative? Text { get; set; }

    [JsonPropertyName("contained")]
    public List<Resource>? Contained { get; set; }

    [JsonPropertyName("extension")]
    public List<Extension>? Extension { get; set; }

    [JsonPropertyName("modifierExtension")]
    public List<Extension>? ModifierExtension { get; set; }
}
