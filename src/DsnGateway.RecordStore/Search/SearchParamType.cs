namespace DsnGateway.RecordStore.Search;

/// <summary>The FHIR search parameter types this store supports.</summary>
public enum SearchParamType
{
    Token,
    String,
    Date,
    Reference,
}
