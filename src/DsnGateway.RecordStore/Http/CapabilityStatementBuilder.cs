using DsnGateway.Fhir.Model;
using DsnGateway.RecordStore.Search;

namespace DsnGateway.RecordStore.Http;

/// <summary>The store's CapabilityStatement: exactly the interactions and parameters it supports.</summary>
public static class CapabilityStatementBuilder
{
    public static CapabilityStatement Build(SearchParameterRegistry registry, string baseUrl)
    {
        var resources = registry.ResourceTypes.Order(StringComparer.Ordinal).Select(type => new CapabilityStatementResource
        {
            Type = type,
            Interaction = new[] { "read", "vread", "update", "delete", "history-instance", "create", "search-type" }
                .Select(code => new CapabilityStatementInteraction { Code = code }).ToList(),
            Versioning = "versioned-update",
            ReadHistory = true,
            UpdateCreate = true,
            ConditionalCreate = true,
            ConditionalUpdate = true,
            ConditionalDelete = "not-supported",
            ReferencePolicy = ["literal", "enforced", "local"],
            SearchInclude = registry.For(type).Where(p => p.Type == SearchParamType.Reference).Select(p => (string?)$"{type}:{p.Name}").ToList(),
            SearchRevInclude = registry.ResourceTypes.SelectMany(source => registry.For(source)
                    .Where(p => p.Type == SearchParamType.Reference && p.Targets.Contains(type))
                    .Select(p => (string?)$"{source}:{p.Name}"))
                .ToList(),
            // Exactly the registry's parameters: an official one names its R4 definition; one of the project's own
            // has no definition to name and says so, with its expression.
            SearchParam = registry.For(type).Select(p => new CapabilityStatementSearchParam
            {
                Name = p.Name,
                Definition = p.DefinitionUrl,
                Type = p.Type.ToString().ToLowerInvariant(),
                Documentation = p.IsProjectOwn ? $"The project's own parameter (not in R4): {p.Expression}" : p.Expression,
            }).ToList(),
            Operation = type == Patient.TypeName
                ? [new CapabilityStatementOperation { Name = "everything", Definition = "http://hl7.org/fhir/OperationDefinition/Patient-everything" }]
                : null,
        }).ToList();

        return new CapabilityStatement
        {
            Status = "active",
            Date = "2026-11-22",
            Kind = "instance",
            Software = new CapabilityStatementSoftware { Name = "DSN unified record store" },
            Implementation = new CapabilityStatementImplementation { Description = "DSN unified record store", Url = baseUrl },
            FhirVersion = "4.0.1",
            Format = ["application/fhir+json", "json"],
            Rest =
            [
                new CapabilityStatementRest
                {
                    Mode = "server",
                    Resource = resources,
                    Interaction = [new() { Code = "transaction" }, new() { Code = "batch" }],
                    SearchParam =
                    [
                        new() { Name = "_count", Type = "number" },
                        new() { Name = "_sort", Type = "string", Documentation = "one key: _lastUpdated or a date parameter, '-' for descending" },
                        new() { Name = "_summary", Type = "token", Documentation = "count or false" },
                        new() { Name = "_total", Type = "token", Documentation = "none, estimate or accurate" },
                    ],
                },
            ],
        };
    }
}
