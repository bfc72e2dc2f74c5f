using Pytrace.Reader.Data;

namespace Pytrace.Reader.Tree;

/// <summary>
/// Builds display rows page by page. Each call is a group: the drops that precede it, the call itself, then the
/// returns of the calls it is the last descendant of (innermost first). Paging is by call id in both directions.
/// </summary>
public sealed class TreePager(CallStore store, ViewScope scope, IReadOnlyList<DropRow> drops)
{
    /// <summary>Groups of up to COUNT calls after call id AFTER; AtEnd when the scope has no more.</summary>
    public (List<DisplayRow> Rows, bool AtEnd) After(long after, int count)
    {
        var calls = store.Page(scope, after, count);
        var atEnd = calls.Count < count;
        return (Build(calls, after, includeTail: atEnd), atEnd);
    }

    /// <summary>Groups of up to COUNT calls before call id BEFORE (long.MaxValue: the end); AtStart when no more.</summary>
    public (List<DisplayRow> Rows, bool AtStart) Before(long before, int count)
    {
        // One call more than shown: its id bounds the drops that belong to the first shown call.
        var calls = store.Page(scope, before, count + 1, backwards: true);
        var atStart = calls.Count <= count;
        var after = atStart ? long.MinValue : calls[0].Id;
        if (!atStart)
            calls.RemoveAt(0);
        return (Build(calls, after, includeTail: before == long.MaxValue), atStart);
    }

    private List<DisplayRow> Build(List<CallRow> calls, long after, bool includeTail)
    {
        var args = store.Args(calls.Select(c => c.Id).ToList());
        var rows = new List<DisplayRow>(calls.Count * 2);
        var previous = after;
        var known = calls.ToDictionary(c => c.Id);
        for (var i = 0; i < calls.Count; i++)
        {
            var call = calls[i];
            AddDrops(rows, previous, call.Id, call.Id);
            previous = call.Id;
            var callArgs = args.TryGetValue(call.Id, out var a) ? a : (IReadOnlyList<ArgValue>)[];
            if (!scope.IsTree)
            {
                rows.Add(new DisplayRow(RowKind.Leaf, call.Id, 1, call, callArgs));
                continue;
            }
            var nextDepth = NextDepth(calls, i);
            var hasChildren = nextDepth > call.Depth;
            rows.Add(new DisplayRow(hasChildren ? RowKind.Enter : RowKind.Leaf, call.Id, 1, call, callArgs));
            if (!hasChildren)
                AddExits(rows, call, nextDepth ?? 0, known);
        }
        if (includeTail)
            AddDrops(rows, previous, long.MaxValue, long.MaxValue);
        return rows;
    }

    private void AddDrops(List<DisplayRow> rows, long after, long upTo, long anchor)
    {
        var sub = 0;
        foreach (var drop in drops)
            if (drop.Anchor > after && drop.Anchor <= upTo)
                rows.Add(new DisplayRow(RowKind.Drop, anchor, -1000 + sub++, null, [], drop));
    }

    // The next row of the same thread is usually on the page already; only the last one per thread asks the db.
    private int? NextDepth(List<CallRow> calls, int i)
    {
        var call = calls[i];
        for (var j = i + 1; j < calls.Count; j++)
            if (calls[j].Thread == call.Thread)
                return calls[j].Depth;
        return store.NextDepthInThread(call);
    }

    // CALL is the last of the subtrees of its ancestors deeper than or at NEXTDEPTH: their returns follow it.
    private void AddExits(List<DisplayRow> rows, CallRow call, int nextDepth, Dictionary<long, CallRow> known)
    {
        var sub = 2;
        var parentId = call.Parent;
        while (parentId is { } id)
        {
            if (!known.TryGetValue(id, out var parent))
            {
                parent = store.ById(id);
                if (parent is null)
                    return;
                known[id] = parent;
            }
            if (parent.Depth < nextDepth)
                return;
            if (parent.EndKind != Pytrace.Storage.Schema.EndKind.Unfinished)
                rows.Add(new DisplayRow(RowKind.Exit, call.Id, sub++, parent, []));
            parentId = parent.Parent;
        }
    }
}
