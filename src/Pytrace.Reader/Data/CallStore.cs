using Pytrace.Storage;
using Microsoft.Data.Sqlite;

namespace Pytrace.Reader.Data;

/// <summary>Reads calls, their arguments and drops. Every page is keyset-paged by id: no OFFSET anywhere.</summary>
public sealed class CallStore(TraceDb db)
{
    public const string Select = """
        SELECT c.id, c.parent, c.pid, c.tid, c.depth, c.start_ns, c.end_ns, f.module, f.name, f.file, f.line,
               c.kind, c.end_kind, (SELECT text FROM strings WHERE id = c.result_type), c.result
        FROM calls c JOIN functions f ON f.id = c.function
        """;

    public TraceDb Db => db;

    public static CallRow Read(SqliteDataReader r) => new(
        r.GetInt64(0), r.IsDBNull(1) ? null : r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), r.GetInt32(4),
        r.GetInt64(5), r.IsDBNull(6) ? null : r.GetInt64(6), r.GetString(7), r.GetString(8), r.GetString(9),
        r.GetInt32(10), r.GetInt32(11), r.GetInt32(12), r.IsDBNull(13) ? null : r.GetString(13),
        r.IsDBNull(14) ? null : r.GetString(14));

    /// <summary>Up to LIMIT calls with id after AFTER (ascending) or before BEFORE (returned ascending too).</summary>
    public List<CallRow> Page(ViewScope scope, long after, int limit, bool backwards = false)
    {
        var (where, parameters) = scope.Where(backwards ? "c.id < @k" : "c.id > @k");
        var sql = $"{Select} WHERE {where} ORDER BY c.id {(backwards ? "DESC" : "ASC")} LIMIT {limit}";
        using var command = db.Command(sql, parameters);
        command.Parameters.AddWithValue("@k", after);
        var rows = new List<CallRow>(limit);
        using (var reader = command.ExecuteReader())
            while (reader.Read())
                rows.Add(Read(reader));
        if (backwards)
            rows.Reverse();
        return rows;
    }

    public CallRow? ById(long id)
    {
        using var command = db.Command($"{Select} WHERE c.id = @p0", [id]);
        using var reader = command.ExecuteReader();
        return reader.Read() ? Read(reader) : null;
    }

    /// <summary>The first call of SCOPE after (or before) id K that also satisfies EXTRA, if any.</summary>
    public long? NextId(ViewScope scope, long k, bool backwards, string extra = "1", IEnumerable<object?>? extraParameters = null)
    {
        var (where, parameters) = scope.Where(backwards ? "c.id < @k" : "c.id > @k");
        var sql = $"SELECT c.id FROM calls c JOIN functions f ON f.id = c.function WHERE {where} AND ({extra}) " +
                  $"ORDER BY c.id {(backwards ? "DESC" : "ASC")} LIMIT 1";
        using var command = db.Command(sql, parameters);
        command.Parameters.AddWithValue("@k", k);
        var n = 0;
        foreach (var value in extraParameters ?? [])
            command.Parameters.AddWithValue("@x" + n++, value ?? DBNull.Value);
        return command.ExecuteScalar() is long id ? id : null;
    }

    /// <summary>Depth of the next row of the same thread after ID, or null when ID is its thread's last.</summary>
    public int? NextDepthInThread(CallRow call) => (int?)db.ScalarLong(
        "SELECT depth FROM calls WHERE pid = @p0 AND tid = @p1 AND id > @p2 ORDER BY id LIMIT 1", call.Pid, call.Tid, call.Id);

    /// <summary>Arguments of the given calls, keyed by call id.</summary>
    public Dictionary<long, List<ArgValue>> Args(IReadOnlyCollection<long> ids)
    {
        var result = new Dictionary<long, List<ArgValue>>();
        if (ids.Count == 0)
            return result;
        // Dense ids (an unfiltered page) read as one primary-key range; sparse ones (a filter's) by list.
        var (min, max) = (ids.Min(), ids.Max());
        var dense = max - min < 4L * ids.Count;
        var where = dense ? "a.call BETWEEN @p0 AND @p1" : $"a.call IN ({string.Join(",", ids.Select((_, i) => "@p" + i))})";
        using var command = db.Command(
            $"SELECT a.call, n.text, t.text, a.value FROM args a JOIN strings n ON n.id = a.name JOIN strings t ON t.id = a.type " +
            $"WHERE {where} ORDER BY a.call, a.pos", dense ? [min, max] : ids.Cast<object?>());
        var wanted = dense ? ids.ToHashSet() : null;
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var call = reader.GetInt64(0);
            if (wanted is not null && !wanted.Contains(call))
                continue;
            if (!result.TryGetValue(call, out var args))
                result[call] = args = [];
            args.Add(new ArgValue(reader.GetString(1), reader.GetString(2), reader.GetString(3)));
        }
        return result;
    }

    /// <summary>Every drop with the first call id at or after its time (ids follow start order closely).</summary>
    public List<DropRow> Drops()
    {
        var raw = new List<(long Pid, long Time, long Count, long Reason, long? Tid, long? Ended)>();
        using (var command = db.Command("SELECT pid, time_ns, count, reason, tid, ended_ns FROM drops ORDER BY time_ns LIMIT 100000"))
        using (var reader = command.ExecuteReader())
            while (reader.Read())
                raw.Add((reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3),
                    reader.IsDBNull(4) ? null : reader.GetInt64(4), reader.IsDBNull(5) ? null : reader.GetInt64(5)));
        return raw.Select(d => new DropRow(d.Pid, d.Time, d.Count, AnchorFor(d.Time), d.Reason == Schema.DropReason.HookTaken, d.Tid, d.Ended)).ToList();
    }

    // Binary search over ids by start time: O(log n) primary-key probes, whether calls_start exists or not.
    private long AnchorFor(long timeNs)
    {
        var lo = db.ScalarLong("SELECT min(id) FROM calls") ?? 0;
        var hi = (db.ScalarLong("SELECT max(id) FROM calls") ?? 0) + 1;
        while (lo < hi)
        {
            var mid = lo + (hi - lo) / 2;
            using var command = db.Command("SELECT id, start_ns FROM calls WHERE id >= @p0 ORDER BY id LIMIT 1", [mid]);
            using var reader = command.ExecuteReader();
            if (!reader.Read()) { hi = mid; continue; }
            if (reader.GetInt64(1) >= timeNs) hi = mid;
            else lo = reader.GetInt64(0) + 1;
        }
        return lo;
    }

    /// <summary>Thread names by (pid, tid), for export and the detail view.</summary>
    public Dictionary<(long, long), string> ThreadNames()
    {
        var names = new Dictionary<(long, long), string>();
        using var command = db.Command("SELECT pid, tid, name FROM threads");
        using var reader = command.ExecuteReader();
        while (reader.Read())
            names[(reader.GetInt64(0), reader.GetInt64(1))] = reader.IsDBNull(2) ? "" : reader.GetString(2);
        return names;
    }
}
