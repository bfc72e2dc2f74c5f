using System.CommandLine;
using Pytrace.Reader.Data;
using Pytrace.Reader.Terminal;
using Pytrace.Reader.Tree;
using Pytrace.Reader.Ui;

namespace Pytrace.Reader.Commands;

/// <summary>`pytrace` / `pytrace read [DB] [--db PATH]`: the interactive reader, or plain rows when not on a terminal.</summary>
public static class ReadCommand
{
    private static readonly Argument<string?> DbArgument = new("DB") { Description = "the traces database", Arity = ArgumentArity.ZeroOrOne };

    private static readonly Option<string> Db = ReadingOptions.Db();

    public static readonly Command Definition = Define();

    private static Command Define()
    {
        var command = new Command("read", "The reader (also plain `pytrace`): less-like keys, h for help; plain rows when not on a terminal.")
            { DbArgument, Db };
        CommandSyntax.SetExamples(command, "pytrace", "pytrace read other.sqlite", "pytrace read | grep checkout");
        return command;
    }

    public static int Run(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr) =>
        Run(args, stdout, stderr, SystemTerminal.IsInteractive(stdout) ? new SystemTerminal() : null);

    /// <summary>With TERMINAL null the rows are printed as plain text to STDOUT.</summary>
    public static int Run(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr, ITerminal? terminal) => CommandGuard.Run("read", stderr, () =>
    {
        if (CommandSyntax.Parse(Definition, args, stdout, e => throw new UsageException(e), out var parsed) is { } code)
            return code;
        var path = ReadingOptions.DbPath(parsed, Db, DbArgument);
        if (terminal is null)
        {
            using var plainDb = TraceDb.Open(path);
            using var output = new StandardOutput(stdout);
            PrintPlain(plainDb, output.Writer);
            return 0;
        }
        var history = PromptHistory.Load(PromptHistory.DefaultPath());
        for (string? message = null; ; message = ReopenedMessage)
        {
            using var db = OpenWhenReady(path, message is not null);
            using var app = new ReaderApp(db, terminal, history, follow: message is not null, message);
            app.Run();
            if (!app.Replaced)
                return 0;
        }
    });

    private const string ReopenedMessage = "a new run replaced the database: reopened, following it";

    // A run that replaces the file creates it, then writes its schema: until that is in, the file is not a trace yet.
    private static TraceDb OpenWhenReady(string path, bool replaced)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return TraceDb.Open(path);
            }
            catch (TraceDbException) when (replaced && attempt < 50)
            {
                Thread.Sleep(100);
            }
        }
    }

    private static void PrintPlain(TraceDb db, TextWriter stdout)
    {
        var summary = TraceSummary.Load(db);
        var store = new CallStore(db);
        var pager = new TreePager(store, ViewScope.All, store.Drops());
        var formatter = new RowFormatter(summary.ShowPid, summary.ShowTid, TimeZoneInfo.Local, valueWidth: 100);
        var after = long.MinValue;
        while (true)
        {
            var (rows, atEnd) = pager.After(after, 1000);
            foreach (var row in rows)
                stdout.WriteLine(formatter.Format(row).Plain());
            if (atEnd || rows.Count == 0)
                return;
            after = rows.Where(r => r.Kind != RowKind.Drop).Max(r => r.Anchor);
        }
    }
}
