using Dapper;

namespace DsnGateway.Audit;

/// <summary>Searches the audit store: the filters become one SQL condition, so totals and pages agree.</summary>
internal sealed class AuditSearch(AuditStore store)
{
    public async Task<AuditSearchPage> SearchAsync(AuditSearchQuery query, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        var where = Where(query, parameters);
        await using var connection = await store.OpenAsync(cancellationToken);

        var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            $"SELECT COUNT(*) FROM audit_event WHERE {where}", parameters, cancellationToken: cancellationToken));
        if (query.Count == 0) return new AuditSearchPage([], total, null, null);

        var cursor = query.Cursor;
        var newer = cursor is { Older: false };
        var keyset = cursor is null ? "" : cursor.Older ? " AND seq < @cursor" : " AND seq > @cursor";
        parameters.Add("cursor", cursor?.Seq);
        parameters.Add("limit", query.Count + 1);
        var rows = (await connection.QueryAsync<AuditStore.AuditRow>(new CommandDefinition(
            $"{AuditStore.SelectRow} WHERE {where}{keyset} ORDER BY seq {(newer ? "ASC" : "DESC")} LIMIT @limit",
            parameters, cancellationToken: cancellationToken))).ToList();

        var more = rows.Count > query.Count;
        if (more) rows.RemoveAt(rows.Count - 1);
        if (newer) rows.Reverse();
        var matches = rows.Select(r => r.ToStored()).ToList();

        AuditPageCursor? next = null;
        AuditPageCursor? previous = null;
        if (matches.Count > 0)
        {
            var newest = matches[0].Seq;
            var oldest = matches[^1].Seq;
            var hasOlder = newer ? await ExistsAsync(connection, where, parameters, "seq < @edge", oldest, cancellationToken) : more;
            var hasNewer = newer ? more : cursor is not null && await ExistsAsync(connection, where, parameters, "seq > @edge", newest, cancellationToken);
            if (hasOlder) next = new AuditPageCursor(Older: true, oldest);
            if (hasNewer) previous = new AuditPageCursor(Older: false, newest);
        }
        else if (cursor is { Older: true } && await ExistsAsync(connection, where, parameters, "seq >= @edge", cursor.Seq, cancellationToken))
        {
            previous = new AuditPageCursor(Older: false, cursor.Seq - 1); // past the end: the way back
        }
        return new AuditSearchPage(matches, total, next, previous);
    }

    private static async Task<bool> ExistsAsync(System.Data.Common.DbConnection connection, string where, DynamicParameters parameters,
        string edgeCondition, long edge, CancellationToken cancellationToken)
    {
        parameters.Add("edge", edge);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            $"SELECT EXISTS (SELECT 1 FROM audit_event WHERE {where} AND {edgeCondition})", parameters, cancellationToken: cancellationToken)) != 0;
    }

    private static string Where(AuditSearchQuery query, DynamicParameters parameters)
    {
        var conditions = new List<string> { "1 = 1" };
        var n = 0;
        string Bind(object value)
        {
            var name = $"@p{n++}";
            parameters.Add(name, value);
            return name;
        }

        foreach (var anyOf in query.Patients)
            conditions.Add($"seq IN (SELECT seq FROM audit_patient WHERE patient IN ({string.Join(", ", anyOf.Select(Bind))}))");
        foreach (var anyOf in query.Agents)
            conditions.Add($"agent IN ({string.Join(", ", anyOf.Select(Bind))})");
        foreach (var anyOf in query.OutcomeCodes)
            conditions.Add($"outcome IN ({string.Join(", ", anyOf.Select(Bind))})");
        foreach (var anyOf in query.Dates)
            conditions.Add("(" + string.Join(" OR ", anyOf.Select(d =>
                d.ToSql("recorded", Bind(d.Value.Start.UtcTicks), Bind(d.Value.End.UtcTicks)))) + ")");
        if (query.FlaggedOnly) conditions.Add("flagged = 1");
        return string.Join(" AND ", conditions);
    }
}
