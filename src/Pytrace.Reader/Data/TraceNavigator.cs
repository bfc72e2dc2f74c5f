namespace Pytrace.Reader.Data;

/// <summary>The database side of trace navigation: returns, siblings, exceptions and search, all by id order.</summary>
public sealed class TraceNavigator(CallStore store)
{
    /// <summary>The last call of CALL's subtree: its return row is drawn right after it.</summary>
    public long LastDescendant(CallRow call)
    {
        var db = store.Db;
        var next = db.ScalarLong("SELECT id FROM calls WHERE pid = @p0 AND tid = @p1 AND id > @p2 AND depth <= @p3 ORDER BY id LIMIT 1",
            call.Pid, call.Tid, call.Id, call.Depth) ?? long.MaxValue;
        return db.ScalarLong("SELECT max(id) FROM calls WHERE pid = @p0 AND tid = @p1 AND id > @p2 AND id < @p3",
            call.Pid, call.Tid, call.Id, next) ?? call.Id;
    }

    public long? Sibling(ViewScope scope, CallRow call, bool backwards) => call.Parent is { } parent
        ? store.NextId(scope, call.Id, backwards, "c.parent = @x0", [parent])
        : store.NextId(scope, call.Id, backwards, "c.parent IS NULL AND c.pid = @x0 AND c.tid = @x1", [call.Pid, call.Tid]);

    public long? Exception(ViewScope scope, long from, bool backwards) =>
        store.NextId(scope, from, backwards, $"c.end_kind = {Pytrace.Storage.Schema.EndKind.Exception}");

    /// <summary>The next call whose name, argument values or result match the regular expression PATTERN.</summary>
    public long? Search(ViewScope scope, long from, bool backwards, string pattern) => store.NextId(scope, from, backwards,
        "regexp(@x0, f.module || '.' || f.name) OR regexp(@x0, c.result) " +
        "OR EXISTS (SELECT 1 FROM args a WHERE a.call = c.id AND regexp(@x0, a.value))", [pattern]);

    /// <summary>First call of SCOPE, to tell a filter that matches nothing.</summary>
    public bool Any(ViewScope scope) => store.NextId(scope, long.MinValue, false) is not null;
}
