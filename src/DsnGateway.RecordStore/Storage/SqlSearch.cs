using System.Data.Common;
using Dapper;
using DsnGateway.RecordStore.Search;

namespace DsnGateway.RecordStore.Storage;

/// <summary>Runs a search with keyset paging, its total and its includes, on an open connection.</summary>
internal static class SqlSearch
{
    private const string Columns = "a.type, a.id, a.version, a.last_updated AS LastUpdated, a.deleted, a.json, a.seq";

    public static async Task<SearchPage> RunAsync(DbConnection connection, DbTransaction? transaction, SearchQuery query, CancellationToken cancellationToken)
    {
        var options = query.Options;
        long? total = null;
        if (options.Total == TotalMode.Accurate || options.Summary == SummaryMode.Count)
        {
            var countBuilder = new SqlSearchBuilder();
            var countSql = $"SELECT COUNT(*) FROM resource a WHERE {countBuilder.Where(query, "a")}";
            total = await connection.ExecuteScalarAsync<long>(new CommandDefinition(countSql, countBuilder.Parameters, transaction, cancellationToken: cancellationToken));
        }
        if (options.Summary == SummaryMode.Count || options.Count == 0)
        {
            return new SearchPage([], [], total, null, null);
        }

        var builder = new SqlSearchBuilder();
        var where = builder.Where(query, "a");
        var sort = builder.SortExpression(options.Sort, "a");
        var descending = options.Sort?.Descending ?? false;
        var cursor = options.Cursor;
        var backward = cursor?.Backward ?? false;
        // Reading backwards walks the same order reversed, then turns the page around.
        var ascending = descending == backward;
        var keyset = "";
        if (cursor is not null)
        {
            var op = ascending ? ">" : "<";
            var v = builder.Parameter(cursor.SortValue);
            var s = builder.Parameter(cursor.Sequence);
            keyset = $"WHERE (q.SortValue {op} {v} OR (q.SortValue = {v} AND q.seq {op} {s}))";
        }
        var direction = ascending ? "ASC" : "DESC";
        var limit = builder.Parameter(options.Count + 1);
        var sql = $"SELECT * FROM (SELECT {Columns}, {sort} AS SortValue FROM resource a WHERE {where}) q {keyset} " +
                  $"ORDER BY q.SortValue {direction}, q.seq {direction} LIMIT {limit}";
        var rows = (await connection.QueryAsync<ResourceRow>(new CommandDefinition(sql, builder.Parameters, transaction, cancellationToken: cancellationToken))).ToList();

        var hasMore = rows.Count > options.Count;
        if (hasMore) rows.RemoveAt(rows.Count - 1);
        if (backward) rows.Reverse();

        PageCursor? next = null;
        PageCursor? previous = null;
        if (rows.Count > 0)
        {
            var first = rows[0];
            var last = rows[^1];
            // Forward: more after this page if the query found one more; something before it if we came by a cursor.
            if (backward ? cursor is not null : hasMore) next = new PageCursor(false, last.SortValue, last.Seq);
            if (backward ? hasMore : cursor is not null) previous = new PageCursor(true, first.SortValue, first.Seq);
        }

        var matches = rows.Select(r => r.ToStored()).ToList();
        var included = await IncludesAsync(connection, transaction, query, matches, cancellationToken);
        return new SearchPage(matches, included, total, next, previous);
    }

    private static async Task<IReadOnlyList<StoredResource>> IncludesAsync(DbConnection connection, DbTransaction? transaction, SearchQuery query, IReadOnlyList<StoredResource> matches, CancellationToken cancellationToken)
    {
        var options = query.Options;
        if (matches.Count == 0 || (options.Includes.Count == 0 && options.RevIncludes.Count == 0)) return [];

        var found = new List<StoredResource>();
        var seen = new HashSet<(string, string)>(matches.Select(m => (m.Type, m.Id)));
        var ids = matches.Select(m => m.Id).ToArray();

        foreach (var include in options.Includes.Where(i => i.SourceType == query.ResourceType))
        {
            var rows = await connection.QueryAsync<ResourceRow>(new CommandDefinition(
                $"SELECT DISTINCT {Columns} FROM search_reference x JOIN resource a ON a.type = x.target_type AND a.id = x.target_id AND a.deleted = 0 " +
                "WHERE x.type = @source AND x.param = @param AND x.id IN @ids AND (@target IS NULL OR x.target_type = @target)",
                new { source = include.SourceType, param = include.Parameter.Name, ids, target = include.TargetType }, transaction, cancellationToken: cancellationToken));
            found.AddRange(rows.Select(r => r.ToStored()).Where(r => seen.Add((r.Type, r.Id))));
        }
        foreach (var include in options.RevIncludes)
        {
            var rows = await connection.QueryAsync<ResourceRow>(new CommandDefinition(
                $"SELECT DISTINCT {Columns} FROM search_reference x JOIN resource a ON a.type = x.type AND a.id = x.id AND a.deleted = 0 " +
                "WHERE x.type = @source AND x.param = @param AND x.target_type = @mainType AND x.target_id IN @ids",
                new { source = include.SourceType, param = include.Parameter.Name, mainType = query.ResourceType, ids }, transaction, cancellationToken: cancellationToken));
            found.AddRange(rows.Select(r => r.ToStored()).Where(r => seen.Add((r.Type, r.Id))));
        }
        return found;
    }
}
