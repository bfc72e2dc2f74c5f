using System.CommandLine;
using System.Text;
using Pytrace.Reader.Data;
using Pytrace.Reader.Export;

namespace Pytrace.Reader.Commands;

/// <summary>`pytrace export [--db PATH] --format jsonl [-o FILE]`: every call and drop as JSON Lines.</summary>
public static class ExportCommand
{
    private static readonly Option<string> Db = ReadingOptions.Db();

    public static readonly string[] Formats = ["jsonl", "chrome", "speedscope", "folded", "flamegraph"];

    private static readonly Option<string> Format = new("--format")
    {
        Description = "jsonl (default; docs/export-format.md), chrome (Perfetto, chrome://tracing), speedscope, " +
                      "folded (flamegraph.pl, inferno) or flamegraph (an interactive SVG)",
        HelpName = string.Join('|', Formats),
    };

    private static readonly Option<string> Output = new("--output", "-o")
    {
        Description = "the file to write (made 0600, as the database is); default standard output",
        HelpName = "FILE",
    };

    private static readonly Option<string> Filter = new("--filter")
    {
        Description = "only the calls FILTER matches (the reader's filter language)",
        HelpName = "FILTER",
    };

    public static readonly Command Definition = Define();

    private static Command Define()
    {
        var command = new Command("export", "Write the calls in a format other tools read: JSON Lines, Perfetto, speedscope, flame graphs.")
            { Db, Format, Output, Filter };
        CommandSyntax.SetExamples(command,
            "pytrace export -o calls.jsonl",
            "pytrace export --format chrome -o trace.json          # open in https://ui.perfetto.dev",
            "pytrace export --format flamegraph -o flame.svg       # open in any browser",
            "pytrace export --format folded | flamegraph.pl > flame.svg",
            "pytrace export --format speedscope --filter \"module ~= '^shop'\" -o shop.speedscope.json");
        return command;
    }

    public static int Run(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr) => CommandGuard.Run("export", stderr, () =>
    {
        if (CommandSyntax.Parse(Definition, args, stdout, e => throw new UsageException(e), out var parsed) is { } code)
            return code;
        var format = ReadingOptions.OneOf(parsed, Format, "format", "formats", Formats);
        using var db = TraceDb.Open(ReadingOptions.DbPath(parsed, Db));
        var scope = ReadingOptions.Scope(db, parsed.GetValue(Filter));
        var store = new CallStore(db);
        var file = parsed.GetValue(Output);
        using var console = new StandardOutput(stdout);
        using var output = file is null ? null : new StreamWriter(OwnerOnly(file), new UTF8Encoding(false), 1 << 16);
        var writer = output ?? console.Writer;
        switch (format)
        {
            case "jsonl": WriteJsonl(store, scope, writer); break;
            case "chrome": WriteChrome(db, store, scope, writer); break;
            case "speedscope":
                using (var speedscope = new SpeedscopeWriter(writer, Origin(db), Title(db)))
                    Walk(store, scope, speedscope);
                break;
            default:
                var tree = new StackTree();
                Walk(store, scope, tree);
                if (format == "folded") tree.WriteFolded(writer);
                else FlameGraphSvg.Write(tree, writer, Title(db));
                break;
        }
        return 0;
    });

    private static void WriteJsonl(CallStore store, ViewScope scope, TextWriter output)
    {
        var writer = new JsonlWriter(output, store.ThreadNames());
        foreach (var (call, callArgs, drop) in CallStream.Read(store, scope, withDrops: scope.Filter is null))
        {
            if (call is not null)
                writer.WriteCall(call, callArgs);
            else
                writer.WriteDrop(drop!);
        }
    }

    private static void WriteChrome(TraceDb db, CallStore store, ViewScope scope, TextWriter output)
    {
        var threads = new List<(long, long, string?)>();
        using (var rows = db.Command("SELECT pid, tid, name FROM threads ORDER BY id"))
            while (rows.Read()) threads.Add((rows.Long(0), rows.Long(1), rows.TextOrNull(2)));
        var processes = new List<(long, string)>();
        using (var rows = db.Command("SELECT DISTINCT p.pid, r.command, p.ppid IN (SELECT pid FROM processes) FROM processes p JOIN runs r ON r.id = p.run ORDER BY p.started_ns"))
            while (rows.Read()) processes.Add((rows.Long(0), rows.Long(2) == 1 ? $"pid {rows.Long(0)}" : $"{rows.Text(1)} (pid {rows.Long(0)})"));
        long last = db.ScalarLong("SELECT max(ended_ns) FROM runs") ?? (db.ScalarLong("SELECT max(start + coalesce(duration, 0)) FROM calls") is { } end ? db.EpochNs + end : (long?)null) ?? 0;
        using var writer = new ChromeTraceWriter(output, Origin(db), last, threads, processes);
        foreach (var (call, callArgs, drop) in CallStream.Read(store, scope, withDrops: scope.Filter is null))
        {
            if (call is not null) writer.WriteCall(call, callArgs);
            else writer.WriteDrop(drop!);
        }
    }

    private static void Walk(CallStore store, ViewScope scope, IStackSink sink)
    {
        var walk = new StackWalk(sink);
        foreach (var (call, _, _) in CallStream.Read(store, scope, withDrops: false, withArgs: false))
            walk.Add(call!);
        walk.Finish();
    }

    /// <summary>Time zero of an export: the first run's start (before any of its calls), else the first call's.</summary>
    private static long Origin(TraceDb db) =>
        db.ScalarLong("SELECT min(started_ns) FROM runs") ?? TraceSummary.Load(db).FirstStartNs ?? 0;

    private static string Title(TraceDb db) => "pytrace: " + (db.Scalar("SELECT command FROM runs ORDER BY id LIMIT 1") as string ?? db.Path);

    /// <summary>The export holds the same argument values as the database (0600): a new file is made 0600 too.</summary>
    private static FileStream OwnerOnly(string path)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        return new FileStream(path, options);
    }
}
