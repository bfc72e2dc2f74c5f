using System.CommandLine;
using Pytrace.Reader.Data;

namespace Pytrace.Reader.Commands;

/// <summary>The options every reading command takes, declared once.</summary>
public static class ReadingOptions
{
    public static Option<string> Db() => new("--db")
    {
        Description = $"the traces database (default ./{TraceDb.DefaultPath})",
        HelpName = "PATH",
    };

    /// <summary>The database named by --db, else by a positional DB, else the default in this folder.</summary>
    public static string DbPath(ParseResult result, Option<string> db, Argument<string?>? positional = null) =>
        result.GetValue(db) ?? (positional is null ? null : result.GetValue(positional)) ?? TraceDb.DefaultPath;
}
