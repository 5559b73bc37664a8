using Hl7.Fhir.Model;
using DsnGateway.Mapping.Bundles;
using DsnGateway.Mapping.Identity;
using DsnGateway.Proxy;

namespace DsnGateway.Ingestion;

/// <summary>
/// "One person, one Patient": an MRN already bound to one NAM arriving with a different NAM is an identity
/// conflict (AE 207), answered before anything is written, so two people's records are never joined.
/// While the record store is unreachable the check cannot be made here; the message is still accepted (a
/// store outage must not stop intake) and delivery makes the same check before it writes.
/// </summary>
internal sealed partial class IdentityConflicts(RecordStoreClient store, ILogger<IdentityConflicts> logger)
{
    public async Task<string?> FindAsync(Patient incoming, CancellationToken cancellationToken)
    {
        try
        {
            return await FindOrThrowAsync(incoming, cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException || (ex is RecordStoreException r && (int)r.Status >= 500))
        {
            Log.Deferred(logger);
            return null;
        }
    }

    /// <summary>The conflict, if any; throws when the store cannot be asked.</summary>
    public async Task<string?> FindOrThrowAsync(Patient incoming, CancellationToken cancellationToken)
    {
        var nam = NamOf(incoming);
        if (nam is null) return null; // a message without a NAM identifies the patient by MRN alone
        foreach (var mrn in incoming.Identifier.Where(i => i.System?.StartsWith("urn:dsn:mrn:", StringComparison.Ordinal) == true && i.Value is not null))
        {
            var holders = await store.SearchAsync("Patient", [KeyValuePair.Create("identifier", $"{mrn.System}|{mrn.Value}")], cancellationToken);
            // A retired record (A40) binds nobody: its survivor holds its identifiers and answers for it.
            foreach (var holder in holders.OfType<Patient>().Where(h => !AdtBundleBuilder.IsMergedRecord(h)))
            {
                var bound = NamOf(holder);
                if (bound is not null && bound != nam)
                    return $"identity conflict: MRN {mrn.System}|{mrn.Value} already belongs to another patient's NAM";
            }
        }
        return null;
    }

    public static string? NamOf(Patient patient) =>
        patient.Identifier.FirstOrDefault(i => i.System == QuebecHealthNumber.System)?.Value;

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "The record store is unreachable: the identity check of an HL7 message is left to its delivery")]
        public static partial void Deferred(ILogger logger);
    }
}
