namespace Pytrace.Reader.Diff;

/// <summary>A place where two runs part: a call changed (same function, other arguments or end), or one only one run made.</summary>
public sealed record Difference(string Kind, int Thread, int IndexA, int IndexB);

/// <summary>
/// Walks two runs' call trees side by side, thread by thread: the children of matching calls are aligned by
/// function (longest common subsequence), so one extra or missing call is one difference and the calls after it
/// still compare. Differences come in the order the runs would show them: other arguments at the call, another
/// return value at the return, after what happened inside the call. The first is where the runs part.
/// </summary>
public static class TreeDiff
{
    /// <summary>Sibling lists longer than this on both sides are compared in step instead of aligned (the table would be too big).</summary>
    private const long AlignLimit = 4_000_000;

    public static List<Difference> Compare(RunTree a, RunTree b)
    {
        var differences = new List<Difference>();
        for (int t = 0; t < Math.Max(a.Threads.Count, b.Threads.Count); t++)
        {
            if (t >= a.Threads.Count) { differences.Add(new("only_b", t, -1, 0)); continue; }
            if (t >= b.Threads.Count) { differences.Add(new("only_a", t, 0, -1)); continue; }
            var (ta, tb) = (a.Threads[t], b.Threads[t]);
            Siblings(ta, tb, Children(ta, -1), Children(tb, -1), t, differences);
        }
        return differences;
    }

    /// <summary>The indexes of the calls directly under PARENT (-1: the thread's outermost calls).</summary>
    private static List<int> Children(RunTree.Thread thread, int parent)
    {
        var children = new List<int>();
        int depth = parent < 0 ? MinDepth(thread) : thread.Depth[parent] + 1;
        for (int i = parent + 1; i < thread.Depth.Count; i++)
        {
            if (parent >= 0 && thread.Depth[i] < depth) break;
            if (thread.Depth[i] == depth) children.Add(i);
        }
        return children;
    }

    private static int MinDepth(RunTree.Thread thread) => thread.Depth.Count == 0 ? 0 : thread.Depth.Min();

    private static void Siblings(RunTree.Thread a, RunTree.Thread b, List<int> ca, List<int> cb, int thread, List<Difference> differences)
    {
        foreach (var (i, j) in Align(a, b, ca, cb))
        {
            if (i < 0) { differences.Add(new("only_b", thread, -1, j)); continue; }
            if (j < 0) { differences.Add(new("only_a", thread, i, -1)); continue; }
            bool startDiffers = a.StartHash[i] != b.StartHash[j];
            if (startDiffers) differences.Add(new("changed", thread, i, j));
            Siblings(a, b, Children(a, i), Children(b, j), thread, differences);
            if (!startDiffers && a.EndHash[i] != b.EndHash[j]) differences.Add(new("changed", thread, i, j));
        }
    }

    /// <summary>Pairs of sibling indexes, (i, -1) for a call only in A and (-1, j) for one only in B, in order.</summary>
    private static List<(int, int)> Align(RunTree.Thread a, RunTree.Thread b, List<int> ca, List<int> cb)
    {
        var pairs = new List<(int, int)>();
        if ((long)ca.Count * cb.Count > AlignLimit)
        {
            for (int k = 0; k < Math.Max(ca.Count, cb.Count); k++)
                pairs.Add((k < ca.Count ? ca[k] : -1, k < cb.Count ? cb[k] : -1));
            return pairs;
        }
        var lcs = new int[ca.Count + 1, cb.Count + 1];
        for (int x = ca.Count - 1; x >= 0; x--)
            for (int y = cb.Count - 1; y >= 0; y--)
                lcs[x, y] = a.NameHash[ca[x]] == b.NameHash[cb[y]] ? lcs[x + 1, y + 1] + 1 : Math.Max(lcs[x + 1, y], lcs[x, y + 1]);
        int p = 0, q = 0;
        while (p < ca.Count || q < cb.Count)
        {
            if (p < ca.Count && q < cb.Count && a.NameHash[ca[p]] == b.NameHash[cb[q]]) pairs.Add((ca[p++], cb[q++]));
            else if (q >= cb.Count || (p < ca.Count && lcs[p + 1, q] >= lcs[p, q + 1])) pairs.Add((ca[p++], -1));
            else pairs.Add((-1, cb[q++]));
        }
        return pairs;
    }
}
