using DsnGateway.Fhir.Model;
using DsnGateway.RecordStore.Storage;

namespace DsnGateway.RecordStore.Interactions;

/// <summary>What an interaction on one resource produced: the HTTP status and the version now current.</summary>
public sealed record InteractionResult(int Status, Resource? Resource, StoredResource? Stored)
{
    public string? ETag => Stored is null ? null : $"W/\"{Stored.VersionId}\"";

    public string? Location => Stored is null ? null : $"{Stored.Type}/{Stored.Id}/_history/{Stored.VersionId}";
}
