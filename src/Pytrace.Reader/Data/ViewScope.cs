using Pytrace.Reader.Filter;

namespace Pytrace.Reader.Data;

/// <summary>What a view shows: an optional compiled filter and an optional single thread.</summary>
public sealed record ViewScope(CompiledFilter? Filter = null, (long Pid, long Tid)? Thread = null)
{
    public static readonly ViewScope All = new();

    /// <summary>True when rows are a contiguous slice of every thread's calls, so the tree (returns) is drawn.</summary>
    public bool IsTree => Filter is null;

    /// <summary>SQL condition (with KEY added) and its positional parameters @p0...</summary>
    public (string Sql, List<object?> Parameters) Where(string key)
    {
        var parts = new List<string> { key };
        var parameters = new List<object?>();
        if (Filter is not null)
        {
            parts.Add("(" + Filter.Sql + ")");
            parameters.AddRange(Filter.Parameters);
        }
        if (Thread is { } t)
        {
            parts.Add($"c.pid = @p{parameters.Count} AND c.tid = @p{parameters.Count + 1}");
            parameters.Add(t.Pid);
            parameters.Add(t.Tid);
        }
        return (string.Join(" AND ", parts), parameters);
    }
}
