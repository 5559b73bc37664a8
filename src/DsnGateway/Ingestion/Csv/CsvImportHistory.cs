using Dapper;

namespace DsnGateway.Ingestion.Csv;

/// <summary>
/// Which rows an earlier import already brought, by business key: a row's control id is <c>key#hash</c> (32 hex
/// digits of its decoded text), so a committed message of the same sender whose control id is that key and any hash
/// is an earlier version of the row. Lets an import tell a corrected row (updated) from a row never seen (new).
/// </summary>
internal sealed class CsvImportHistory(InboxStore inbox)
{
    private const int Chunk = 500;

    /// <summary>The keys among <paramref name="keys"/> with a message of this sender (CSV:kind, establishment) in the inbox.</summary>
    public async Task<HashSet<string>> ImportedKeysAsync(string senderApplication, string senderFacility, IReadOnlyCollection<string> keys,
        CancellationToken cancellationToken)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        if (keys.Count == 0) return found;
        await using var connection = await inbox.OpenAsync(cancellationToken);
        foreach (var chunk in keys.Chunk(Chunk))
        {
            // A range on the (sender, control id) unique index per key; the length pins the hash part, so a key that
            // is a prefix of another key's text ("RX1" and "RX1#2") is not mistaken for it.
            var rows = await connection.QueryAsync<string>(new CommandDefinition("""
                SELECT k.value FROM json_each(@keys) k
                 WHERE EXISTS (SELECT 1 FROM messages m
                                WHERE m.sender_application = @app AND m.sender_facility = @facility
                                  AND m.control_id >= k.value || '#' AND m.control_id < k.value || '$'
                                  AND length(m.control_id) = length(k.value) + 33)
                """, new { keys = System.Text.Json.JsonSerializer.Serialize(chunk), app = senderApplication, facility = senderFacility },
                cancellationToken: cancellationToken));
            found.UnionWith(rows);
        }
        return found;
    }
}
