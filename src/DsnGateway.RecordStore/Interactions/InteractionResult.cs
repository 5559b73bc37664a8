using DsnGateway.Fhir.Serialization;
using DsnGateway.RecordStore.Storage;
using Hl7.Fhir.Model;

namespace DsnGateway.RecordStore.Interactions;

/// <summary>What an interaction on one resource produced: the HTTP status and the version now current.</summary>
public sealed class InteractionResult
{
    private Resource? _resource;

    public InteractionResult(int status, Resource? resource, StoredResource? stored)
    {
        Status = status;
        _resource = resource;
        Stored = stored;
    }

    /// <summary>A result whose resource is the stored JSON, parsed only if someone asks for the object.</summary>
    public static InteractionResult FromStored(int status, StoredResource stored) => new(status, null, stored);

    public int Status { get; }

    public StoredResource? Stored { get; }

    public Resource? Resource => _resource ??= Stored is { Deleted: false, Json: not null } stored ? StoredJson.Parse(stored) : null;

    public string? ETag => Stored is null ? null : $"W/\"{Stored.VersionId}\"";

    public string? Location => Stored is null ? null : $"{Stored.Type}/{Stored.Id}/_history/{Stored.VersionId}";
}
