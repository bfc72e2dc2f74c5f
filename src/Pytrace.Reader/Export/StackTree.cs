using Pytrace.Reader.Data;

namespace Pytrace.Reader.Export;

/// <summary>
/// Calls merged by stack: one node per distinct path of functions from a thread's bottom, with its calls, total
/// and self time. Memory grows with distinct stacks, not with calls. Feeds the folded and flame-graph exports.
/// </summary>
public sealed class StackTree : IStackSink
{
    public sealed class Node(int parent, string name, string location, int depth)
    {
        public int Parent { get; } = parent;
        public string Name { get; } = name;
        public string Location { get; } = location;
        public int Depth { get; } = depth;
        public long Calls { get; set; }
        public long TotalNs { get; set; }
        public long SelfNs { get; set; }
        public List<int> Children { get; } = [];
    }

    private readonly Dictionary<(int Parent, string Name), int> _index = [];

    /// <summary>Node 0 is the root above every thread's bottom frame; it has no name.</summary>
    public List<Node> Nodes { get; } = [new(-1, "", "", -1)];

    public void ThreadStarted(CallRow first) { }

    public void ThreadEnded(long thread, long lastNs) { }

    public int Open(CallRow call, StackWalk.Frame? parent)
    {
        int parentNode = parent?.Node ?? 0;
        var name = call.QualifiedName;
        if (!_index.TryGetValue((parentNode, name), out int node))
        {
            node = Nodes.Count;
            Nodes.Add(new Node(parentNode, name, $"{call.File}:{call.Line}", Nodes[parentNode].Depth + 1));
            Nodes[parentNode].Children.Add(node);
            _index[(parentNode, name)] = node;
        }
        return node;
    }

    public void Close(StackWalk.Frame frame, StackWalk.Frame? parent)
    {
        var node = Nodes[frame.Node];
        long total = frame.EndNs - frame.Call.StartNs;
        node.Calls++;
        node.TotalNs += total;
        node.SelfNs += Math.Max(0, total - frame.ChildrenNs);
    }

    /// <summary>The names from the bottom frame to NODE.</summary>
    public IEnumerable<string> Path(int node)
    {
        var names = new List<string>();
        for (int n = node; n > 0; n = Nodes[n].Parent) names.Add(Nodes[n].Name);
        names.Reverse();
        return names;
    }

    /// <summary>Every stack as flamegraph.pl and inferno read it: `a;b;c N`, N its self time in whole µs (0 left out).</summary>
    public void WriteFolded(TextWriter output)
    {
        for (int n = 1; n < Nodes.Count; n++)
        {
            long micros = Nodes[n].SelfNs / 1000;
            if (micros > 0) output.WriteLine($"{string.Join(';', Path(n).Select(Frame))} {micros}");
        }
    }

    // flamegraph.pl splits a line at its last space and the stack at ';': neither may appear inside a frame.
    private static string Frame(string name) => name.Replace(';', ':').Replace(' ', '_');
}
