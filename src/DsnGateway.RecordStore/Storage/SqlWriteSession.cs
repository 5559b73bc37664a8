using System.Data.Common;
using Dapper;
using DsnGateway.RecordStore.Indexing;
using DsnGateway.RecordStore.Search;

namespace DsnGateway.RecordStore.Storage;

/// <summary>A write unit over one connection and transaction; disposed without commit, it rolls back.</summary>
internal sealed class SqlWriteSession : IWriteSession
{
    private readonly DbConnection _connection;
    private readonly DbTransaction _transaction;

    public SqlWriteSession(DbConnection connection, DbTransaction transaction)
    {
        _connection = connection;
        _transaction = transaction;
    }

    public Task<StoredResource?> ReadAsync(string type, string id, CancellationToken cancellationToken) =>
        SqliteResourceRepository.ReadCurrentAsync(_connection, _transaction, type, id, cancellationToken);

    public async Task<IReadOnlyList<string>> FindIdsAsync(SearchQuery query, int limit, CancellationToken cancellationToken)
    {
        var builder = new SqlSearchBuilder();
        var sql = $"SELECT a.id FROM resource a WHERE {builder.Where(query, "a")} ORDER BY a.seq LIMIT {builder.Parameter(limit)}";
        return (await _connection.QueryAsync<string>(new CommandDefinition(sql, builder.Parameters, _transaction, cancellationToken: cancellationToken))).ToList();
    }

    public async Task SaveAsync(StoredResource version, IEnumerable<IndexEntry> index, CancellationToken cancellationToken)
    {
        var lastUpdated = version.LastUpdated.ToUnixTimeMilliseconds();
        var key = new { type = version.Type, id = version.Id };
        await Execute("""
            INSERT INTO resource (type, id, version, last_updated, deleted, json, seq)
            VALUES (@type, @id, @version, @lastUpdated, @deleted, @json, (SELECT COALESCE(MAX(seq), 0) + 1 FROM resource))
            ON CONFLICT (type, id) DO UPDATE SET version = excluded.version, last_updated = excluded.last_updated,
                deleted = excluded.deleted, json = excluded.json
            """,
            new { type = version.Type, id = version.Id, version = version.VersionId, lastUpdated, deleted = version.Deleted ? 1 : 0, json = version.Json }, cancellationToken);
        await Execute(
            "INSERT INTO resource_version (type, id, version, last_updated, deleted, method, json) VALUES (@type, @id, @version, @lastUpdated, @deleted, @method, @json)",
            new { type = version.Type, id = version.Id, version = version.VersionId, lastUpdated, deleted = version.Deleted ? 1 : 0, method = version.Method ?? "PUT", json = version.Json }, cancellationToken);

        foreach (var table in new[] { "search_token", "search_string", "search_date", "search_reference" })
        {
            await Execute($"DELETE FROM {table} WHERE type = @type AND id = @id", key, cancellationToken);
        }
        foreach (var entry in index)
        {
            switch (entry)
            {
                case TokenEntry t:
                    await Execute("INSERT INTO search_token (type, id, param, system, code) VALUES (@type, @id, @param, @system, @code)",
                        new { key.type, key.id, param = t.Param, system = t.System, code = t.Code }, cancellationToken);
                    break;
                case StringEntry s:
                    await Execute("INSERT INTO search_string (type, id, param, folded, exact) VALUES (@type, @id, @param, @folded, @exact)",
                        new { key.type, key.id, param = s.Param, folded = s.Folded, exact = s.Exact }, cancellationToken);
                    break;
                case DateEntry d:
                    await Execute("INSERT INTO search_date (type, id, param, low, high) VALUES (@type, @id, @param, @low, @high)",
                        new { key.type, key.id, param = d.Param, low = d.Low, high = d.High }, cancellationToken);
                    break;
                case ReferenceEntry r:
                    await Execute("INSERT INTO search_reference (type, id, param, target_type, target_id) VALUES (@type, @id, @param, @targetType, @targetId)",
                        new { key.type, key.id, param = r.Param, targetType = r.TargetType, targetId = r.TargetId }, cancellationToken);
                    break;
            }
        }
    }

    public async Task<IReadOnlyList<string>> ReferrersAsync(string type, string id, int limit, CancellationToken cancellationToken) =>
        (await _connection.QueryAsync<string>(new CommandDefinition(
            "SELECT DISTINCT x.type || '/' || x.id FROM search_reference x JOIN resource a ON a.type = x.type AND a.id = x.id AND a.deleted = 0 " +
            "WHERE x.target_type = @type AND x.target_id = @id AND NOT (x.type = @type AND x.id = @id) LIMIT @limit",
            new { type, id, limit }, _transaction, cancellationToken: cancellationToken))).ToList();

    public Task CommitAsync(CancellationToken cancellationToken) => _transaction.CommitAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _transaction.DisposeAsync();
        await _connection.DisposeAsync();
    }

    private Task Execute(string sql, object parameters, CancellationToken cancellationToken) =>
        _connection.ExecuteAsync(new CommandDefinition(sql, parameters, _transaction, cancellationToken: cancellationToken));
}
