using System.Text.RegularExpressions;
using Pytrace.Reader.Data;
using Pytrace.Storage;
using Schema = Pytrace.Storage.Schema;

namespace Pytrace.Reader.Diff;

/// <summary>
/// One run's calls as comparable trees, one per thread (threads in the order they first called): each call reduced
/// to a hash of what `pytrace diff` compares — the function, the arguments' types and values, how it ended and with
/// what — with addresses (0x…) masked and times, pids and tids left out. 24 bytes a call.
/// </summary>
public sealed partial class RunTree
{
    public sealed class Thread
    {
        public readonly List<long> Ids = [];
        public readonly List<long> NameHash = [];
        /// <summary>The function and its arguments: what differs when the call is made.</summary>
        public readonly List<long> StartHash = [];
        /// <summary>How it ended and with what: what differs when it returns.</summary>
        public readonly List<long> EndHash = [];
        public readonly List<int> Depth = [];
    }

    public TraceDb Db { get; }
    /// <summary>The run's calls in full, for the few that a report shows.</summary>
    public CallStore Store { get; }
    public long Run { get; }
    public List<Thread> Threads { get; } = [];
    public long Calls { get; private set; }

    private RunTree(TraceDb db, long run)
    {
        Db = db;
        Store = new CallStore(db);
        Run = run;
    }

    [GeneratedRegex("0x[0-9a-fA-F]+")]
    private static partial Regex Address();

    public static string Masked(string text) => Address().Replace(text, "0x…");

    public static RunTree Load(TraceDb db, long run)
    {
        var tree = new RunTree(db, run);
        var values = new Dictionary<long, long>();
        using (var rows = db.Command("SELECT v.id, s.text, v.text FROM vals v JOIN strings s ON s.id = v.type"))
            while (rows.Read()) values[rows.Long(0)] = Hash(rows.Text(1) + "\0" + Masked(rows.Text(2)));
        var byThread = new Dictionary<long, Thread>();
        using var calls = db.Command(
            "SELECT c.id, c.thread, c.depth, f.module || '.' || f.name, c.args, c.result, c.end_kind, c.kind FROM calls c " +
            "CROSS JOIN functions f ON f.id = c.function CROSS JOIN threads t ON t.id = c.thread WHERE t.run = @p0 ORDER BY c.id", [run]);
        while (calls.Read())
        {
            if (!byThread.TryGetValue(calls.Long(1), out var thread))
            {
                byThread[calls.Long(1)] = thread = new Thread();
                tree.Threads.Add(thread);
            }
            long name = Hash(calls.Text(3) + "\0" + calls.Long(7));
            long start = name;
            foreach (var value in ArgsColumn.Decode(calls.TextOrNull(4)))
                start = Mix(start, values.GetValueOrDefault(value));
            int end = calls.Int(6);
            // An unfinished call has no end to compare: the run was cut there, which is not the program's doing.
            long ending = end == Schema.EndKind.Unfinished ? 0 : Mix(end, calls.IsNull(5) ? 0 : values.GetValueOrDefault(calls.Long(5)));
            thread.Ids.Add(calls.Long(0));
            thread.NameHash.Add(name);
            thread.StartHash.Add(start);
            thread.EndHash.Add(ending);
            thread.Depth.Add(calls.Int(2));
            tree.Calls++;
        }
        return tree;
    }

    private static long Hash(string text)
    {
        ulong h = 14695981039346656037;
        foreach (char c in text) h = (h ^ c) * 1099511628211;
        return (long)h;
    }

    private static long Mix(long h, long v) => (long)(((ulong)h ^ (ulong)v) * 1099511628211UL + 0x9E3779B97F4A7C15UL);
}
