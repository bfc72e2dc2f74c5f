using Schema = Pytrace.Storage.Schema;

namespace Pytrace.Reader.Data;

/// <summary>One function's line of `pytrace stats`: its calls (those a filter kept), their total and self time, exceptions.</summary>
public sealed record FunctionStat(string Module, string Name, string File, int Line, long Calls, long TotalNs, long SelfNs, long Exceptions)
{
    public long MeanNs => Calls == 0 ? 0 : TotalNs / Calls;
    public string QualifiedName => Module + "." + Name;
}

/// <summary>
/// Per-function figures from the trace, like pstats but exact: one pass over the calls in id order, each thread's
/// stack kept by depth, so that a call's self time is its duration less its children's (whether or not a filter
/// keeps them). Memory holds the stacks and one entry per function.
/// </summary>
public static class FunctionStats
{
    private sealed class Totals
    {
        public long Calls, TotalNs, SelfNs, Exceptions;
    }

    private struct Open
    {
        public long Function, DurationNs, ChildrenNs;
        public bool Counted;
    }

    public static List<FunctionStat> Compute(TraceDb db, ViewScope scope)
    {
        var (where, parameters) = scope.Where("1");
        var totals = new Dictionary<long, Totals>();
        var stacks = new Dictionary<long, List<Open>>();
        using (var rows = db.Command(
                   $"SELECT c.thread, c.depth, c.function, coalesce(c.duration, 0), c.end_kind, ({where}) FROM calls c " +
                   $"WHERE c.kind != {Schema.CallKind.Log} ORDER BY c.id", parameters))
        {
            while (rows.Read())
            {
                long thread = rows.Long(0);
                int depth = rows.Int(1);
                if (!stacks.TryGetValue(thread, out var stack)) stacks[thread] = stack = [];
                while (stack.Count > depth) Close(stack, totals);
                var open = new Open { Function = rows.Long(2), DurationNs = rows.Long(3), Counted = rows.Long(5) != 0 };
                if (open.Counted)
                {
                    var t = Of(totals, open.Function);
                    t.Calls++;
                    t.TotalNs += open.DurationNs;
                    if (rows.Int(4) == Schema.EndKind.Exception) t.Exceptions++;
                }
                // A depth with no row above it (its caller was trimmed or dropped) is padded, so depths index the stack.
                while (stack.Count < depth) stack.Add(new Open());
                stack.Add(open);
            }
        }
        foreach (var stack in stacks.Values)
            while (stack.Count > 0) Close(stack, totals);
        var functions = new Dictionary<long, (string, string, string, int)>();
        using (var rows = db.Command("SELECT id, module, name, file, line FROM functions"))
            while (rows.Read()) functions[rows.Long(0)] = (rows.Text(1), rows.Text(2), rows.Text(3), rows.Int(4));
        return totals.Select(kv =>
        {
            var (module, name, file, line) = functions.GetValueOrDefault(kv.Key, ("?", "?", "?", 0));
            return new FunctionStat(module, name, file, line, kv.Value.Calls, kv.Value.TotalNs, kv.Value.SelfNs, kv.Value.Exceptions);
        }).ToList();
    }

    private static void Close(List<Open> stack, Dictionary<long, Totals> totals)
    {
        var open = stack[^1];
        stack.RemoveAt(stack.Count - 1);
        if (stack.Count > 0)
        {
            var parent = stack[^1];
            parent.ChildrenNs += open.DurationNs;
            stack[^1] = parent;
        }
        if (open.Counted) Of(totals, open.Function).SelfNs += Math.Max(0, open.DurationNs - open.ChildrenNs);
    }

    private static Totals Of(Dictionary<long, Totals> totals, long function)
    {
        if (!totals.TryGetValue(function, out var t)) totals[function] = t = new Totals();
        return t;
    }
}
