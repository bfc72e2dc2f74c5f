using System.CommandLine;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Pytrace.Reader.Data;
using Pytrace.Reader.Diff;
using Schema = Pytrace.Storage.Schema;

namespace Pytrace.Reader.Commands;

/// <summary>
/// `pytrace diff A [B]`: where two runs part — the first call with another function, other arguments, or another
/// return value or exception — with its path from the root, a few calls around it on each side, and how many
/// differences follow. Exit 0 when the runs are the same, 1 when they differ, 2 on a mistake.
/// </summary>
public static class DiffCommand
{
    private const int Context = 3;

    private static readonly Argument<string> First = new("A") { Description = "a traces database" };

    private static readonly Argument<string?> Second = new("B")
    {
        Description = "another (default: A again, whose last two runs are then compared)", Arity = ArgumentArity.ZeroOrOne,
    };

    private static readonly Option<string> RunA = new("--run-a") { Description = "the run of A (default its last; with one file, the one before)", HelpName = "N" };
    private static readonly Option<string> RunB = new("--run-b") { Description = "the run of B (default its last)", HelpName = "N" };
    private static readonly Option<string> Format = new("--format") { Description = "text (default) or jsonl, one object per difference", HelpName = "text|jsonl" };

    public static readonly Command Definition = Define();

    private static Command Define()
    {
        var command = new Command("diff", "Show where two runs part: calls, arguments, returns and exceptions (not times, addresses, pids).")
            { First, Second, RunA, RunB, Format };
        CommandSyntax.SetExamples(command,
            "pytrace diff good.sqlite bad.sqlite",
            "pytrace --append app.py; pytrace --append app.py; pytrace diff traces.sqlite",
            "pytrace diff traces.sqlite --run-a 1 --run-b 3 --format jsonl");
        return command;
    }

    public static int Run(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr) => CommandGuard.Run("diff", stderr, () =>
    {
        if (CommandSyntax.Parse(Definition, args, stdout, e => throw new UsageException(e), out var parsed) is { } code)
            return code;
        var format = ReadingOptions.OneOf(parsed, Format, "format", "formats", ReadingOptions.TextFormats);
        var pathA = parsed.GetValue(First)!;
        var pathB = parsed.GetValue(Second) ?? pathA;
        using var dbA = TraceDb.Open(pathA);
        using var dbB = pathB == pathA ? null : TraceDb.Open(pathB);
        var runs = dbA.Longs("SELECT id FROM runs ORDER BY id");
        long runB = RunNumber(parsed.GetValue(RunB), "--run-b") ?? (dbB ?? dbA).ScalarLong("SELECT max(id) FROM runs") ?? 0;
        long? defaultA = dbB is null ? runs.Where(r => r < runB).Cast<long?>().LastOrDefault() : dbA.ScalarLong("SELECT max(id) FROM runs");
        long runA = RunNumber(parsed.GetValue(RunA), "--run-a") ?? defaultA
            ?? throw new UsageException($"{pathA} holds one run: give a second database, or record another run with --append");
        var a = RunTree.Load(dbA, runA);
        var b = RunTree.Load(dbB ?? dbA, runB);
        if (a.Calls == 0) throw new UsageException($"run {runA} of {pathA} has no calls");
        if (b.Calls == 0) throw new UsageException($"run {runB} of {pathB} has no calls");
        var differences = TreeDiff.Compare(a, b);
        using var output = new StandardOutput(stdout);
        if (format == "jsonl") WriteJsonl(output.Writer, a, b, differences);
        else WriteText(output.Writer, a, b, pathA, pathB, differences);
        return differences.Count == 0 ? 0 : 1;
    });

    private static long? RunNumber(string? text, string option) => text is null ? null
        : long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long n) ? n
        : throw new UsageException($"{option} wants a run number, not '{text}'");

    private static void WriteText(TextWriter output, RunTree a, RunTree b, string pathA, string pathB, List<Difference> differences)
    {
        output.WriteLine($"a: {pathA} run {a.Run} ({a.Calls:N0} calls)");
        output.WriteLine($"b: {pathB} run {b.Run} ({b.Calls:N0} calls)");
        if (differences.Count == 0)
        {
            output.WriteLine("no difference: the same calls, arguments, returns and exceptions (times, addresses, pids and tids are not compared)");
            return;
        }
        var first = differences[0];
        output.WriteLine(first.Kind switch
        {
            "changed" => "first difference: the same call with other arguments or another end",
            "only_a" => "first difference: a call that only a made",
            _ => "first difference: a call that only b made",
        });
        var (side, tree, index) = first.IndexA >= 0 ? ("a", a, first.IndexA) : ("b", b, first.IndexB);
        output.WriteLine($"  at  {string.Join(" → ", Path(tree, tree.Threads[first.Thread].Ids[index]))}");
        if (first.IndexA >= 0) output.WriteLine($"  a:  {Describe(a, a.Threads[first.Thread].Ids[first.IndexA])}");
        if (first.IndexB >= 0) output.WriteLine($"  b:  {Describe(b, b.Threads[first.Thread].Ids[first.IndexB])}");
        foreach (var (name, t, i) in new[] { ("a", a, first.IndexA), ("b", b, first.IndexB) })
        {
            if (i < 0 || first.Thread >= t.Threads.Count) continue;
            output.WriteLine($"around it in {name}:");
            var ids = t.Threads[first.Thread].Ids;
            for (int k = Math.Max(0, i - Context); k <= Math.Min(ids.Count - 1, i + Context); k++)
                output.WriteLine($"  {(k == i ? ">" : " ")} {new string(' ', 2 * Math.Min(12, t.Threads[first.Thread].Depth[k]))}{Describe(t, ids[k])}");
        }
        if (differences.Count > 1)
            output.WriteLine($"then {differences.Count - 1:N0} more difference{(differences.Count == 2 ? "" : "s")} (--format jsonl lists every one)");
    }

    private static void WriteJsonl(TextWriter output, RunTree a, RunTree b, List<Difference> differences)
    {
        var options = new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        foreach (var d in differences)
        {
            using var buffer = new MemoryStream();
            using (var json = new Utf8JsonWriter(buffer, options))
            {
                json.WriteStartObject();
                json.WriteString("kind", d.Kind);
                json.WriteNumber("thread", d.Thread);
                foreach (var (name, t, i) in new[] { ("a", a, d.IndexA), ("b", b, d.IndexB) })
                {
                    if (i < 0 || d.Thread >= t.Threads.Count) { json.WriteNull(name); continue; }
                    long id = t.Threads[d.Thread].Ids[i];
                    json.WriteStartObject(name);
                    json.WriteNumber("id", id);
                    json.WriteString("call", Describe(t, id));
                    json.WriteStartArray("path");
                    foreach (var step in Path(t, id)) json.WriteStringValue(step);
                    json.WriteEndArray();
                    json.WriteEndObject();
                }
                json.WriteEndObject();
            }
            output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
        }
    }

    /// <summary>The functions from the thread's outermost call down to call ID.</summary>
    private static List<string> Path(RunTree tree, long id)
    {
        var store = tree.Store;
        var names = new List<string>();
        for (var call = store.ById(id); call is not null; call = call.Parent is { } parent ? store.ById(parent) : null)
            names.Add(call.QualifiedName);
        names.Reverse();
        return names;
    }

    /// <summary>`shop.pay(amount=24.0, card='x')  = 'ok'`, as the reader shows a call, addresses masked as compared.</summary>
    private static string Describe(RunTree tree, long id)
    {
        var store = tree.Store;
        var call = store.ById(id)!;
        var args = store.Args([id]).GetValueOrDefault(id) ?? [];
        var text = $"{call.QualifiedName}({string.Join(", ", args.Select(x => $"{x.Name}={RunTree.Masked(x.Value)}"))})";
        return call.EndKind switch
        {
            Schema.EndKind.Exception => $"{text}  ! {RunTree.Masked(call.Result ?? "")}",
            Schema.EndKind.Unfinished => $"{text}  (unfinished)",
            _ when call.Kind == Schema.CallKind.Log => text,
            _ => $"{text}  = {RunTree.Masked(call.Result ?? "")}",
        } + $"  (call {id})";
    }
}
