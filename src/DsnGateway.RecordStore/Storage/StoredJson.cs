using DsnGateway.Fhir.Serialization;
using Hl7.Fhir.Model;

namespace DsnGateway.RecordStore.Storage;

/// <summary>
/// Parses a stored version for the answers that need the object (search and history Bundles, _pretty, a
/// retired-record check). What the store holds passed the same strict parse when it was written, so a failure here
/// is the store's fault, not the caller's: it surfaces as a server error (500, logged), never as the 400 a client's
/// invalid body gets. The error names the version and the element paths only: the values may be patient data.
/// </summary>
internal static class StoredJson
{
    public static Resource Parse(StoredResource stored) => Parse<Resource>(stored);

    public static T Parse<T>(StoredResource stored) where T : Resource
    {
        try
        {
            return FhirJson.Parse<T>(stored.Json ?? throw new InvalidOperationException($"{Key(stored)} is a deletion: it has no content."));
        }
        catch (FhirParseException ex)
        {
            throw new InvalidOperationException(
                $"{Key(stored)} as stored is not valid FHIR R4 JSON (at {string.Join(", ", ex.Issues.Select(i => i.ElementPath).Distinct())}).");
        }
    }

    private static string Key(StoredResource stored) => $"{stored.Type}/{stored.Id} version {stored.VersionId}";
}
