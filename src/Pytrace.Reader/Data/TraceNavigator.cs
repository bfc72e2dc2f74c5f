using Pytrace.Storage;

namespace Pytrace.Reader.Data;

/// <summary>
/// The database side of trace navigation: returns, siblings, exceptions and search, all by id order. There is no
/// index on parent: a call's subtree is the rows of its thread after it that are deeper, up to the first that is not.
/// </summary>
public sealed class TraceNavigator(CallStore store)
{
    /// <summary>The last call of CALL's subtree: its return row is drawn right after it.</summary>
    public long LastDescendant(CallRow call)
    {
        var end = SubtreeEnd(call, call.Depth);
        return store.Db.ScalarLong("SELECT id FROM calls WHERE thread = @p0 AND id > @p1 AND id < @p2 ORDER BY id DESC LIMIT 1",
            call.Thread, call.Id, end) ?? call.Id;
    }

    /// <summary>The next or previous row of the thread at CALL's depth inside its parent's subtree.</summary>
    public long? Sibling(ViewScope scope, CallRow call, bool backwards) => backwards
        ? store.NextId(scope, call.Id, true, "c.thread = @x0 AND c.depth = @x1 AND c.id > @x2", [call.Thread, call.Depth, call.Parent ?? long.MinValue])
        : store.NextId(scope, call.Id, false, "c.thread = @x0 AND c.depth = @x1 AND c.id < @x2", [call.Thread, call.Depth, SubtreeEnd(call, call.Depth - 1)]);

    // The first row of CALL's thread after it at DEPTH or shallower, or past the thread's last row when none is.
    private long SubtreeEnd(CallRow call, int depth)
    {
        var last = store.LastIdInThread(call.Thread) ?? call.Id;
        return depth < 0 ? last + 1
            : store.Db.ScalarLong("SELECT id FROM calls WHERE thread = @p0 AND id > @p1 AND id <= @p2 AND depth <= @p3 ORDER BY id LIMIT 1",
                call.Thread, call.Id, last, depth) ?? last + 1;
    }

    public long? Exception(ViewScope scope, long from, bool backwards) =>
        store.NextId(scope, from, backwards, Pytrace.Storage.Schema.IsException("c.packed"));

    /// <summary>
    /// The next call whose row matches the regular expression PATTERN: its name, an argument's value, its result, or
    /// the call as the row shows it, `module.func(name=value, ...)  = result` (so `simplify\(` and `qty=2` find it).
    /// </summary>
    public long? Search(ViewScope scope, long from, bool backwards, string pattern)
    {
        // Function names are few and tested once here; values, then the whole row text, only on the rows passed.
        var functions = store.Db.Longs("SELECT id FROM functions WHERE regexp(@p0, module || '.' || name)", pattern);
        return store.NextId(scope, from, backwards,
            $"c.function IN ({string.Join(",", functions)}) " +
            "OR EXISTS (SELECT 1 FROM vals v WHERE v.id = c.result AND regexp(@x0, v.text)) " +
            "OR EXISTS (SELECT 1 FROM json_each(c.args) a JOIN vals v ON v.id = CAST(a.value AS INTEGER) WHERE regexp(@x0, v.text)) " +
            $"OR regexp(@x0, {RowText})",
            [pattern]);
    }

    // A call's row as RowFormatter writes it, each value's first 200 characters (more than a row shows): a row of
    // huge values costs no more to build than one of short ones; a value's whole text is searched on its own above.
    private static readonly string RowText = $"""
        (SELECT f.module || '.' || f.name || '(' || coalesce((SELECT group_concat(coalesce(f.params ->> a.key, '?') || '=' || substr(v.text, 1, 200), ', ')
            FROM json_each(c.args) a JOIN vals v ON v.id = CAST(a.value AS INTEGER)), '') || ')'
            || coalesce(CASE c.end_kind WHEN {Schema.EndKind.Return} THEN '  = ' WHEN {Schema.EndKind.Yield} THEN '  yield '
                WHEN {Schema.EndKind.Exception} THEN '  ✗ ' END || (SELECT substr(text, 1, 200) FROM vals WHERE id = c.result), '')
         FROM functions f WHERE f.id = c.function)
        """;

    /// <summary>First call of SCOPE, to tell a filter that matches nothing.</summary>
    public bool Any(ViewScope scope) => store.NextId(scope, long.MinValue, false) is not null;
}
