using Pytrace.Storage;

namespace Pytrace.Reader.Data;

/// <summary>Reads calls, their arguments and drops. Every page is keyset-paged by id: no OFFSET anywhere.</summary>
public sealed class CallStore(TraceDb db)
{
    // CROSS JOIN keeps calls the outer loop: pages walk its rowids, the other tables are looked up per row.
    private readonly string _select = $"""
        SELECT c.id, c.parent, c.thread, t.pid, t.tid, c.depth, {db.EpochNs} + c.start, {db.EpochNs} + c.start + c.duration, f.module, f.name,
               f.file, f.line, c.kind, c.end_kind, rt.text, rv.text, t.name
        FROM calls c CROSS JOIN functions f ON f.id = c.function CROSS JOIN threads t ON t.id = c.thread
             LEFT JOIN vals rv ON rv.id = c.result LEFT JOIN strings rt ON rt.id = rv.type
        """;

    // Argument names by function id; a functions row never changes.
    private readonly Dictionary<long, string[]> _params = [];
    private readonly ThreadEnds _threadEnds = new(db);

    public TraceDb Db => db;

    public static CallRow Read(QueryRows r) => new(
        r.Long(0), r.LongOrNull(1), r.Long(2), r.Long(3), r.Long(4), r.Int(5),
        r.Long(6), r.LongOrNull(7), r.Text(8), r.Text(9), r.Text(10),
        r.Int(11), r.Int(12), r.Int(13), r.TextOrNull(14), r.TextOrNull(15), r.TextOrNull(16));

    /// <summary>Up to LIMIT calls with id after AFTER (ascending) or before BEFORE (returned ascending too).</summary>
    public List<CallRow> Page(ViewScope scope, long after, int limit, bool backwards = false)
    {
        var (where, parameters) = scope.Where(backwards ? "c.id < @k" : "c.id > @k");
        var sql = $"{_select} WHERE {where} ORDER BY c.id {(backwards ? "DESC" : "ASC")} LIMIT {limit}";
        using var reader = db.Command(sql, parameters).Set("@k", after);
        var rows = new List<CallRow>(limit);
        while (reader.Read())
            rows.Add(Read(reader));
        if (backwards)
            rows.Reverse();
        return rows;
    }

    public CallRow? ById(long id)
    {
        using var reader = db.Command($"{_select} WHERE c.id = @p0", [id]);
        return reader.Read() ? Read(reader) : null;
    }

    /// <summary>The first call of SCOPE after (or before) id K that also satisfies EXTRA (over <c>calls c</c>), if any.</summary>
    public long? NextId(ViewScope scope, long k, bool backwards, string extra = "1", IEnumerable<object?>? extraParameters = null)
    {
        var (where, parameters) = scope.Where(backwards ? "c.id < @k" : "c.id > @k");
        var sql = $"SELECT c.id FROM calls c WHERE {where} AND ({extra}) ORDER BY c.id {(backwards ? "DESC" : "ASC")} LIMIT 1";
        using var reader = db.Command(sql, parameters).Set("@k", k);
        var n = 0;
        foreach (var value in extraParameters ?? [])
            reader.Set("@x" + n++, value);
        return reader.Read() && !reader.IsNull(0) ? reader.Long(0) : null;
    }

    /// <summary>The id of the last row of THREAD, or null when it has none.</summary>
    public long? LastIdInThread(long thread) => _threadEnds.LastId(thread);

    /// <summary>Depth of the next row of the same thread after CALL, or null when CALL is its thread's last.</summary>
    public int? NextDepthInThread(CallRow call) => call.Id >= (LastIdInThread(call.Thread) ?? long.MinValue)
        ? null
        : (int?)db.ScalarLong("SELECT depth FROM calls WHERE thread = @p0 AND id > @p1 ORDER BY id LIMIT 1", call.Thread, call.Id);

    /// <summary>Arguments of the given calls, keyed by call id: names from the function's params, values from vals.</summary>
    public Dictionary<long, List<ArgValue>> Args(IReadOnlyCollection<long> ids)
    {
        var result = new Dictionary<long, List<ArgValue>>();
        if (ids.Count == 0)
            return result;
        var calls = ArgIds(ids);
        var values = Values(calls.SelectMany(c => c.Values).Distinct().ToList());
        var names = Params(calls.Select(c => c.Function).Distinct().ToList());
        foreach (var (call, function, valueIds) in calls)
        {
            var args = result[call] = new List<ArgValue>(valueIds.Count);
            var declared = names.GetValueOrDefault(function) ?? [];
            for (var i = 0; i < valueIds.Count; i++)
            {
                var (type, text) = values.GetValueOrDefault(valueIds[i], ("", ""));
                args.Add(new ArgValue(i < declared.Length ? declared[i] : "?", type, text));
            }
        }
        return result;
    }

    // Dense ids (an unfiltered page) read as one primary-key range; sparse ones (a filter's) by list.
    private List<(long Call, long Function, List<long> Values)> ArgIds(IReadOnlyCollection<long> ids)
    {
        var (min, max) = (ids.Min(), ids.Max());
        var dense = max - min < 4L * ids.Count;
        using var reader = db.Command(dense
            ? "SELECT id, function, args FROM calls WHERE id BETWEEN @p0 AND @p1 ORDER BY id"
            : "SELECT id, function, args FROM calls WHERE id IN (SELECT value FROM json_each(@p0)) ORDER BY id",
            dense ? [min, max] : [JsonArray(ids)]);
        var wanted = dense ? ids.ToHashSet() : null;
        var calls = new List<(long, long, List<long>)>(ids.Count);
        while (reader.Read())
            if (wanted is null || wanted.Contains(reader.Long(0)))
                calls.Add((reader.Long(0), reader.Long(1), reader.IsNull(2) ? [] : ArgsColumn.Decode(reader.Text(2))));
        return calls;
    }

    private Dictionary<long, (string Type, string Text)> Values(List<long> ids)
    {
        var values = new Dictionary<long, (string, string)>(ids.Count);
        using var reader = db.Command(
            "SELECT v.id, s.text, v.text FROM vals v JOIN strings s ON s.id = v.type WHERE v.id IN (SELECT value FROM json_each(@p0))",
            [JsonArray(ids)]);
        while (reader.Read())
            values[reader.Long(0)] = (reader.Text(1), reader.Text(2));
        return values;
    }

    private Dictionary<long, string[]> Params(List<long> functions)
    {
        var missing = functions.Where(f => !_params.ContainsKey(f)).ToList();
        if (missing.Count > 0)
        {
            var names = missing.ToDictionary(f => f, _ => new List<string>());
            using (var reader = db.Command("SELECT f.id, p.value FROM functions f, json_each(f.params) p " +
                                            "WHERE f.id IN (SELECT value FROM json_each(@p0)) ORDER BY f.id, p.key", [JsonArray(missing)]))
                while (reader.Read())
                    names[reader.Long(0)].Add(reader.Text(1));
            foreach (var (function, declared) in names)
                _params[function] = [.. declared];
        }
        return _params;
    }

    // Id lists travel as one JSON array parameter, read back by json_each: no statement with thousands of parameters.
    private static string JsonArray(IEnumerable<long> ids) => "[" + string.Join(",", ids) + "]";

    /// <summary>Every drop with the first call id at or after its time (ids follow start order closely).</summary>
    public List<DropRow> Drops()
    {
        var raw = new List<(long Pid, long Time, long Count, long Reason, long? Tid, long? Ended)>();
        using (var reader = db.Command("SELECT pid, time_ns, count, reason, tid, ended_ns FROM drops ORDER BY time_ns LIMIT 100000"))
            while (reader.Read())
                raw.Add((reader.Long(0), reader.Long(1), reader.Long(2), reader.Long(3), reader.LongOrNull(4), reader.LongOrNull(5)));
        return raw.Select(d => new DropRow(d.Pid, d.Time, d.Count, AnchorFor(d.Time), d.Reason == Schema.DropReason.HookTaken, d.Tid, d.Ended)).ToList();
    }

    // Binary search over ids by start time: O(log n) primary-key probes, calls has no index on start_ns.
    private long AnchorFor(long timeNs)
    {
        timeNs -= db.EpochNs;
        var lo = db.ScalarLong("SELECT min(id) FROM calls") ?? 0;
        var hi = (db.ScalarLong("SELECT max(id) FROM calls") ?? 0) + 1;
        while (lo < hi)
        {
            var mid = lo + (hi - lo) / 2;
            using var reader = db.Command("SELECT id, start FROM calls WHERE id >= @p0 ORDER BY id LIMIT 1", [mid]);
            if (!reader.Read()) { hi = mid; continue; }
            if (reader.Long(1) >= timeNs) hi = mid;
            else lo = reader.Long(0) + 1;
        }
        return lo;
    }

    /// <summary>Thread names by <c>threads.id</c>, for export and the detail view.</summary>
    public Dictionary<long, string> ThreadNames()
    {
        var names = new Dictionary<long, string>();
        using var reader = db.Command("SELECT id, name FROM threads");
        while (reader.Read())
            names[reader.Long(0)] = reader.Text(1);
        return names;
    }
}
