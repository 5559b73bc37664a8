using DsnGateway.RecordStore.Search;
using Hl7.Fhir.Model;
using SearchParamType = Hl7.Fhir.Model.SearchParamType;
using StoreParamType = DsnGateway.RecordStore.Search.SearchParamType;

namespace DsnGateway.RecordStore.Http;

/// <summary>The store's CapabilityStatement: exactly the interactions and parameters it supports.</summary>
public static class CapabilityStatementBuilder
{
    private static readonly CapabilityStatement.TypeRestfulInteraction[] TypeInteractions =
    [
        CapabilityStatement.TypeRestfulInteraction.Read,
        CapabilityStatement.TypeRestfulInteraction.Vread,
        CapabilityStatement.TypeRestfulInteraction.Update,
        CapabilityStatement.TypeRestfulInteraction.Delete,
        CapabilityStatement.TypeRestfulInteraction.HistoryInstance,
        CapabilityStatement.TypeRestfulInteraction.Create,
        CapabilityStatement.TypeRestfulInteraction.SearchType,
    ];

    public static CapabilityStatement Build(SearchParameterRegistry registry, string baseUrl)
    {
        var resources = registry.ResourceTypes.Order(StringComparer.Ordinal).Select(type => new CapabilityStatement.ResourceComponent
        {
            Type = type,
            Interaction = TypeInteractions.Select(code => new CapabilityStatement.ResourceInteractionComponent { Code = code }).ToList(),
            Versioning = CapabilityStatement.ResourceVersionPolicy.VersionedUpdate,
            ReadHistory = true,
            UpdateCreate = true,
            ConditionalCreate = true,
            ConditionalUpdate = true,
            ConditionalDelete = CapabilityStatement.ConditionalDeleteStatus.NotSupported,
            ReferencePolicy =
            [
                CapabilityStatement.ReferenceHandlingPolicy.Literal,
                CapabilityStatement.ReferenceHandlingPolicy.Enforced,
                CapabilityStatement.ReferenceHandlingPolicy.Local,
            ],
            SearchInclude = registry.For(type).Where(p => p.Type == StoreParamType.Reference).Select(p => $"{type}:{p.Name}").ToList(),
            SearchRevInclude = registry.ResourceTypes.SelectMany(source => registry.For(source)
                    .Where(p => p.Type == StoreParamType.Reference && p.Targets.Contains(type))
                    .Select(p => $"{source}:{p.Name}"))
                .ToList(),
            // Exactly the registry's parameters: an official one names its R4 definition; one of the project's own
            // has no definition to name and says so, with its expression.
            SearchParam = registry.For(type).Select(p => new CapabilityStatement.SearchParamComponent
            {
                Name = p.Name,
                Definition = p.DefinitionUrl,
                Type = FhirType(p.Type),
                Documentation = p.IsProjectOwn ? $"The project's own parameter (not in R4): {p.Expression}" : p.Expression,
            }).ToList(),
            Operation = type == "Patient"
                ? [new CapabilityStatement.OperationComponent { Name = "everything", Definition = "http://hl7.org/fhir/OperationDefinition/Patient-everything" }]
                : [],
        }).ToList();

        return new CapabilityStatement
        {
            Status = PublicationStatus.Active,
            Date = "2026-11-22",
            Kind = CapabilityStatementKind.Instance,
            Software = new CapabilityStatement.SoftwareComponent { Name = "DSN unified record store" },
            Implementation = new CapabilityStatement.ImplementationComponent { Description = "DSN unified record store", Url = baseUrl },
            FhirVersion = FHIRVersion.N4_0_1,
            Format = ["application/fhir+json", "json"],
            Rest =
            [
                new CapabilityStatement.RestComponent
                {
                    Mode = CapabilityStatement.RestfulCapabilityMode.Server,
                    Resource = resources,
                    Interaction =
                    [
                        new() { Code = CapabilityStatement.SystemRestfulInteraction.Transaction },
                        new() { Code = CapabilityStatement.SystemRestfulInteraction.Batch },
                    ],
                    SearchParam =
                    [
                        new() { Name = "_count", Type = SearchParamType.Number },
                        new() { Name = "_sort", Type = SearchParamType.String, Documentation = "one key: _lastUpdated or a date parameter, '-' for descending" },
                        new() { Name = "_summary", Type = SearchParamType.Token, Documentation = "count or false" },
                        new() { Name = "_total", Type = SearchParamType.Token, Documentation = "none, estimate or accurate" },
                    ],
                },
            ],
        };
    }

    private static SearchParamType FhirType(StoreParamType type) => type switch
    {
        StoreParamType.Token => SearchParamType.Token,
        StoreParamType.String => SearchParamType.String,
        StoreParamType.Date => SearchParamType.Date,
        StoreParamType.Reference => SearchParamType.Reference,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };
}
