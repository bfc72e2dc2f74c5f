using System.CommandLine;
using System.Globalization;
using Pytrace.Reader.Data;
using Pytrace.Reader.Text;

namespace Pytrace.Reader.Commands;

/// <summary>`pytrace stats [FILTER] [--sort KEY] [--limit N]`: one line per function, from the trace.</summary>
public static class StatsCommand
{
    public static readonly string[] SortKeys = ["total", "self", "calls", "exceptions"];

    private static readonly Argument<string?> FilterArgument = new("FILTER")
    {
        Description = "only the calls FILTER matches (their self time still counts every child)",
        Arity = ArgumentArity.ZeroOrOne,
    };

    private static readonly Option<string> Db = ReadingOptions.Db();

    private static readonly Option<string> Sort = new("--sort") { Description = "the order, largest first (default total)", HelpName = string.Join('|', SortKeys) };

    private static readonly Option<string> Limit = new("--limit") { Description = "how many functions to show (default 30; 0 shows all)", HelpName = "N" };

    public static readonly Command Definition = Define();

    private static Command Define()
    {
        var command = new Command("stats", "Per function: calls, total and self time, mean, exceptions, where it is defined.")
            { FilterArgument, Db, Sort, Limit };
        CommandSyntax.SetExamples(command,
            "pytrace stats",
            "pytrace stats --sort self --limit 10",
            "pytrace stats \"module ~= '^shop'\" --sort exceptions");
        return command;
    }

    public static int Run(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr) => CommandGuard.Run("stats", stderr, () =>
    {
        if (CommandSyntax.Parse(Definition, args, stdout, e => throw new UsageException(e), out var parsed) is { } code)
            return code;
        var sort = ReadingOptions.OneOf(parsed, Sort, "sort key", "keys", SortKeys);
        var limitText = parsed.GetValue(Limit) ?? "30";
        if (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out int limit))
            throw new UsageException($"--limit wants a whole number of functions, not '{limitText}'");
        using var db = TraceDb.Open(ReadingOptions.DbPath(parsed, Db));
        var scope = ReadingOptions.Scope(db, parsed.GetValue(FilterArgument));
        var stats = FunctionStats.Compute(db, scope);
        Func<FunctionStat, long> key = sort switch { "self" => s => s.SelfNs, "calls" => s => s.Calls, "exceptions" => s => s.Exceptions, _ => s => s.TotalNs };
        var shown = stats.OrderByDescending(key).ThenBy(s => s.QualifiedName, StringComparer.Ordinal).Take(limit == 0 ? int.MaxValue : limit).ToList();
        using var output = new StandardOutput(stdout);
        Write(output.Writer, shown, stats.Count);
        return stats.Count > 0 ? 0 : 1;
    });

    private static void Write(TextWriter output, List<FunctionStat> shown, int functions)
    {
        output.WriteLine($"{"calls",10} {"total",11} {"self",11} {"mean",11} {"exceptions",10}  function (file:line)");
        foreach (var s in shown)
            output.WriteLine($"{s.Calls,10:N0} {Durations.Format(s.TotalNs),11} {Durations.Format(s.SelfNs),11} {Durations.Format(s.MeanNs),11} {s.Exceptions,10:N0}  {s.QualifiedName} ({s.File}:{s.Line})");
        if (shown.Count < functions) output.WriteLine($"({functions - shown.Count:N0} more functions: --limit 0 shows all)");
    }
}
