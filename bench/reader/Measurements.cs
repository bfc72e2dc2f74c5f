using System.Diagnostics;
using Pytrace.Reader.Data;
using Pytrace.Reader.Filter;
using Pytrace.Reader.Tree;
using Pytrace.Reader.Ui;

namespace Pytrace.Reader.Bench;

/// <summary>Times what a user waits for: opening, the first screen, keys, filters (first screen and full count).</summary>
public static class Measurements
{
    private static readonly string[] Filters =
    [
        "func == 'render'",
        "module == 'app.db%'",
        "arg == 'user' and value == \"'user42'\"",
        "value == \"'user4999'\"",
        "arg == 'exception'",
        "arg == 'exception' and type == 'PermissionError'",
        "tid == 2 and depth == 0",
        "time > '12:05:00'",
        "time >= '12:00:08' and time < '12:00:08.5'",
        "duration > 0.00003",
        "func ~= '^Cursor'",
        "not (module == 'app.db%') and depth > 1",
        "func == 'escape' and arg == 's' and value == \"'<b>'\"",
        "type == 'Cursor'",
        "arg == 'return value' and value == \"'&lt;b&gt;'\"",
        "duration > 0.01",
        "kind == 'log'",
        "kind == 'log' and value ~= 'serv'",
        "value == '%item 7%'",
        "arg == 'exception' and value == '%user42\\'%'",
    ];

    public static void Run(string path)
    {
        Console.WriteLine($"database: {path} ({new FileInfo(path).Length / 1_000_000:N0} MB)");
        var cold = OpenFirstScreen(path);
        var warm = Enumerable.Range(0, 5).Select(_ => OpenFirstScreen(path)).Order().ToList();
        Console.WriteLine($"open + first screen:   {cold,8:F1} ms cold (first in process, JIT included)   {warm[2],8:F1} ms warm median");

        using var db = TraceDb.Open(path);
        var terminal = new BenchTerminal();
        using var app = new ReaderApp(db, terminal);
        app.Render();
        Key(app, "j", 2000, "j (next row) x2000");
        Key(app, " ", 500, "space (next page) x500");
        Key(app, "G", 1, "G (last row)");
        Key(app, "k", 2000, "k (previous row) x2000");
        Key(app, "g", 1, "g (first row)");
        Key(app, "5000000g", 1, "5000000g (jump to call 5,000,000)");
        Key(app, "e", 20, "e (next exception) x20");
        Key(app, "%", 1, "% (call -> its return)");
        Key(app, "u", 1, "u (parent)");
        Key(app, "]", 50, "] (next sibling) x50");
        Key(app, "/user4242'\r", 1, "/user4242' (search)");
        Key(app, "n", 10, "n (next match) x10");
        GC.Collect();
        Console.WriteLine($"memory after all that:  {GC.GetTotalMemory(true) / 1_000_000.0:F1} MB managed heap, {Process.GetCurrentProcess().WorkingSet64 / 1_000_000:N0} MB working set");

        Console.WriteLine();
        Console.WriteLine($"{"filter",-58} {"first screen",14} {"full count",12} {"matches",12}");
        var store = new CallStore(db);
        var context = FilterContext.ForFirstCall(db, TraceSummary.Load(db).FirstStartNs);
        var drops = store.Drops();
        foreach (var filter in Filters)
        {
            var watch = Stopwatch.StartNew();
            var compiled = SqlCompiler.Compile(filter, context);
            var scope = new ViewScope(compiled);
            var (rows, _) = new TreePager(store, scope, drops).After(long.MinValue, 40);
            var first = watch.Elapsed.TotalMilliseconds;
            watch.Restart();
            var (sql, parameters) = scope.Where("1");
            var count = db.ScalarLong($"SELECT count(*) FROM calls c WHERE {sql}", [.. parameters]);
            Console.WriteLine($"{filter,-58} {first,11:F1} ms {watch.Elapsed.TotalMilliseconds,9:F0} ms {count,12:N0}");
        }
    }

    private static double OpenFirstScreen(string path)
    {
        var watch = Stopwatch.StartNew();
        using var db = TraceDb.Open(path);
        using var app = new ReaderApp(db, new BenchTerminal());
        app.Render();
        return watch.Elapsed.TotalMilliseconds;
    }

    private static void Key(ReaderApp app, string keys, int times, string label)
    {
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < times; i++)
        {
            foreach (var c in keys)
                app.Handle(new ConsoleKeyInfo(c, c == '\r' ? ConsoleKey.Enter : ConsoleKey.NoName, false, false, false));
            app.Render();
        }
        var total = watch.Elapsed.TotalMilliseconds;
        Console.WriteLine($"{label,-40} {total / times,8:F2} ms per key (max budget for 'instant': 50 ms)");
    }
}
