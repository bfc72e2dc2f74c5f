using Pytrace.Reader.Filter;

namespace Pytrace.Reader.Data;

/// <summary>One thread of one run: its <c>threads.id</c>, and the pid and tid it is shown by.</summary>
public sealed record ThreadKey(long Id, long Pid, long Tid);

/// <summary>What a view shows: an optional compiled filter and an optional single thread.</summary>
public sealed record ViewScope(CompiledFilter? Filter = null, ThreadKey? Thread = null)
{
    public static readonly ViewScope All = new();

    /// <summary>True when rows are a contiguous slice of every thread's calls, so the tree (returns) is drawn.</summary>
    public bool IsTree => Filter is null;

    /// <summary>SQL condition over <c>calls c</c> (with KEY added) and its positional parameters @p0...</summary>
    public (string Sql, List<object?> Parameters) Where(string key)
    {
        var parameters = new List<object?>(Filter?.Parameters ?? []);
        var parts = new List<string> { key };
        // The thread's one integer comparison before the filter's tests, which may read the arguments.
        if (Thread is { } t)
        {
            parts.Add($"c.thread = @p{parameters.Count}");
            parameters.Add(t.Id);
        }
        if (Filter is not null)
            parts.Add("(" + Filter.Sql + ")");
        return (string.Join(" AND ", parts), parameters);
    }
}
