using System.CommandLine;
using Pytrace.Reader.Data;

namespace Pytrace.Reader.Commands;

/// <summary>The options every reading command takes, declared once.</summary>
public static class ReadingOptions
{
    /// <summary>The --format values of the commands that print calls or differences: lines for people, or JSON Lines.</summary>
    public static readonly string[] TextFormats = ["text", "jsonl"];

    public static Option<string> Db() => new("--db")
    {
        Description = $"the traces database (default ./{TraceDb.DefaultPath})",
        HelpName = "PATH",
    };

    /// <summary>The database named by --db, else by a positional DB, else the default in this folder.</summary>
    public static string DbPath(ParseResult result, Option<string> db, Argument<string?>? positional = null) =>
        result.GetValue(db) ?? (positional is null ? null : result.GetValue(positional)) ?? TraceDb.DefaultPath;

    /// <summary>
    /// OPTION's value, one of ALLOWED, or the first of them when it is absent; anything else is one usage line naming
    /// them all: <c>unknown format 'x' (formats: text, jsonl)</c>, WHAT being "format" and ALLOWEDNAME "formats".
    /// </summary>
    public static string OneOf(ParseResult result, Option<string> option, string what, string allowedName, IReadOnlyList<string> allowed)
    {
        var value = result.GetValue(option) ?? allowed[0];
        if (!allowed.Contains(value))
            throw new UsageException($"unknown {what} '{value}' ({allowedName}: {string.Join(", ", allowed)})");
        return value;
    }

    /// <summary>The calls a command line's FILTER keeps (compiled against DB), or all of them when there is none.</summary>
    public static ViewScope Scope(TraceDb db, string? filter) =>
        filter is null ? ViewScope.All : new ViewScope(FilterText.Compile(db, filter));
}
