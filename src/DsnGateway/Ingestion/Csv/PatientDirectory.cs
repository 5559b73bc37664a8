using Hl7.Fhir.Model;
using System.Text;
using DsnGateway.Mapping.Bundles;
using DsnGateway.Mapping.Identity;
using DsnGateway.Mapping.Patients;
using DsnGateway.Proxy;

namespace DsnGateway.Ingestion.Csv;

/// <summary>
/// Finds the patients an import names, a batch at a time: first in the inbox's identity index (patients committed,
/// delivered or not: an orders import right after a patients import finds them), then in the record store for
/// what the index does not know (patients that came before the index, or from elsewhere). One query per chunk of
/// identifiers, not one per row, so a million-row file does not make a million searches; and before those, one
/// query per identifier system (<c>identifier=&lt;system&gt;|</c>, one result): when no Patient of the store has an
/// identifier of that system at all, none of the batch's identifiers of that system can be there, and they are not
/// searched one by one (the usual case when an establishment's history is first imported).
/// </summary>
internal sealed class PatientDirectory(InboxStore inbox, RecordStoreClient store)
{
    private const int StoreChunk = 100;
    private const string NamKeyPrefix = QuebecHealthNumber.System + "|";

    /// <summary>Each identifier (<c>system|value</c>) found, with the patient it names.</summary>
    /// <exception cref="HttpRequestException">the record store is unreachable: the import cannot tell known from unknown.</exception>
    public async Task<Dictionary<string, KnownPatient>> ResolveAsync(IReadOnlyCollection<string> identifiers, CancellationToken cancellationToken)
    {
        var found = new Dictionary<string, KnownPatient>(StringComparer.Ordinal);
        if (identifiers.Count == 0) return found;
        foreach (var (identifier, key) in await inbox.FindPatientKeysAsync(identifiers, cancellationToken))
            found[identifier] = new KnownPatient(key, NamOfKey(key));

        var missing = identifiers.Where(i => !found.ContainsKey(i)).Distinct(StringComparer.Ordinal).ToList();
        var systems = missing.Select(SystemOf).Distinct(StringComparer.Ordinal).ToList();
        foreach (var system in systems)
        {
            if (!await StoreHasSystemAsync(system, cancellationToken)) missing.RemoveAll(i => SystemOf(i) == system);
        }
        foreach (var chunk in missing.Chunk(StoreChunk))
        {
            var wanted = chunk.ToHashSet(StringComparer.Ordinal);
            var value = string.Join(',', chunk.Select(EscapeToken));
            var patients = await store.SearchAsync("Patient",
                [KeyValuePair.Create("identifier", value), KeyValuePair.Create("_count", "1000")], cancellationToken);
            foreach (var patient in patients.OfType<Patient>())
            {
                // A record merged away (A40) names nobody: its survivor carries the same identifiers (use: old) and answers.
                if (AdtBundleBuilder.IsMergedRecord(patient)) continue;
                var identity = PatientIdentity.Of(patient);
                if (identity is null) continue;
                foreach (var identifier in patient.Identifier)
                {
                    var token = $"{identifier.System}|{identifier.Value}";
                    if (!wanted.Contains(token)) continue;
                    var key = identity.Kind == PatientIdentityKind.Nam ? identity.Key : token;
                    found[token] = new KnownPatient(key, identity.Kind == PatientIdentityKind.Nam ? identity.Value : null);
                }
            }
        }
        return found;
    }

    /// <summary>Whether any Patient of the store (merged-away ones too: this only decides whether to look further) has an
    /// identifier of <paramref name="system"/>.</summary>
    private async Task<bool> StoreHasSystemAsync(string system, CancellationToken cancellationToken)
    {
        var any = await store.SearchAsync("Patient",
            [KeyValuePair.Create("identifier", EscapeToken(system + "|")), KeyValuePair.Create("_count", "1")],
            cancellationToken);
        return any.Count > 0;
    }

    private static string SystemOf(string token) => token[..token.IndexOf('|', StringComparison.Ordinal)];

    private static string? NamOfKey(string key) => key.StartsWith(NamKeyPrefix, StringComparison.Ordinal) ? key[NamKeyPrefix.Length..] : null;

    /// <summary>A token search value: the FHIR search escapes (<c>\</c>, <c>,</c>, <c>$</c>, <c>|</c>) in the value part only.</summary>
    private static string EscapeToken(string token)
    {
        var bar = token.IndexOf('|', StringComparison.Ordinal);
        var builder = new StringBuilder(token.Length + 8).Append(token, 0, bar + 1);
        foreach (var c in token.AsSpan(bar + 1))
        {
            if (c is '\\' or ',' or '$' or '|') builder.Append('\\');
            builder.Append(c);
        }
        return builder.ToString();
    }
}
