using System.CommandLine;
using Pytrace.Reader.Data;
using Pytrace.Reader.Export;
using Pytrace.Reader.Filter;
using Pytrace.Reader.Tree;

namespace Pytrace.Reader.Commands;

/// <summary>`pytrace query "FILTER" [--db PATH] [--format text|jsonl]`: matching calls; exit 1 if none, 2 if bad.</summary>
public static class QueryCommand
{
    private static readonly Argument<string?> FilterText = new("FILTER")
    {
        Description = "which calls, in the reader's filter language (README, docs/reader.md)",
        Arity = ArgumentArity.ZeroOrOne,
    };

    private static readonly Option<string> Db = ReadingOptions.Db();

    private static readonly Option<string> Format = new("--format")
    {
        Description = "text, as the reader shows calls (default), or jsonl, one JSON object per call",
        HelpName = "text|jsonl",
    };

    public static readonly Command Definition = Define();

    private static Command Define()
    {
        var command = new Command("query", "Print the calls FILTER matches; exit 0 with calls, 1 with none, 2 for a bad filter or database.")
            { FilterText, Db, Format };
        CommandSyntax.SetExamples(command,
            "pytrace query \"func == 'checkout'\"",
            "pytrace query \"arg == 'exception' and module ~= '^shop'\" --format jsonl",
            "pytrace query \"args.user == 'ann' and duration > 0.01\" --db other.sqlite");
        return command;
    }

    public static int Run(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr) => CommandGuard.Run("query", stderr, () =>
    {
        if (CommandSyntax.Parse(Definition, args, stdout, e => throw new UsageException(e), out var parsed) is { } code)
            return code;
        var format = ReadingOptions.OneOf(parsed, Format, "format", "formats", ReadingOptions.TextFormats);
        if (parsed.GetValue(FilterText) is not { } filterText)
            throw new UsageException("missing FILTER, e.g. pytrace query \"func == 'main'\"");
        using var db = TraceDb.Open(ReadingOptions.DbPath(parsed, Db));
        var summary = TraceSummary.Load(db);
        var context = FilterContext.ForFirstCall(db, summary.FirstStartNs);
        CompiledFilter filter;
        try
        {
            filter = SqlCompiler.Compile(filterText, context);
        }
        catch (FilterException e)
        {
            CommandGuard.Error(stderr, "query", $"bad filter at {e.OneLine}");
            return 2;
        }
        var store = new CallStore(db);
        if (Write(store, filter, format, summary, stdout) > 0)
            return 0;
        var correction = Corrector.Correct(filter, new ValueSource(db), context);
        if (correction?.Filter is { } corrected)
        {
            // As the reader does: the nearest existing name's calls, and a line on stderr saying whose they are.
            CommandGuard.Error(stderr, "query", $"no call matched: {correction.Message}");
            return Write(store, corrected, format, summary, stdout) > 0 ? 0 : 1;
        }
        CommandGuard.Error(stderr, "query", correction is null ? "no call matched" : $"no call matched: {correction.Message}");
        return 1;
    });

    private static long Write(CallStore store, CompiledFilter filter, string format, TraceSummary summary, TextWriter stdout)
    {
        var scope = new ViewScope(filter);
        using var output = new StandardOutput(stdout);
        return format == "jsonl" ? WriteJsonl(store, scope, output.Writer) : WriteText(store, scope, summary, output.Writer);
    }

    private static long WriteJsonl(CallStore store, ViewScope scope, TextWriter stdout)
    {
        var writer = new JsonlWriter(stdout, store.ThreadNames());
        long count = 0;
        foreach (var (call, args, _) in CallStream.Read(store, scope, withDrops: false))
        {
            writer.WriteCall(call!, args);
            count++;
        }
        return count;
    }

    private static long WriteText(CallStore store, ViewScope scope, TraceSummary summary, TextWriter stdout)
    {
        var formatter = new RowFormatter(summary.ShowPid, summary.ShowTid, TimeZoneInfo.Local, valueWidth: 100);
        long count = 0;
        foreach (var (call, args, _) in CallStream.Read(store, scope, withDrops: false))
        {
            stdout.WriteLine(formatter.Format(new DisplayRow(RowKind.Leaf, call!.Id, 1, call, args)).Plain());
            count++;
        }
        return count;
    }
}
