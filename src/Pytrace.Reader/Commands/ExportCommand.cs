using System.CommandLine;
using System.Text;
using Pytrace.Reader.Data;
using Pytrace.Reader.Export;

namespace Pytrace.Reader.Commands;

/// <summary>`pytrace export [--db PATH] --format jsonl [-o FILE]`: every call and drop as JSON Lines.</summary>
public static class ExportCommand
{
    private static readonly Option<string> Db = ReadingOptions.Db();

    private static readonly Option<string> Format = new("--format") { Description = "jsonl (the default and only format)", HelpName = "jsonl" };

    private static readonly Option<string> Output = new("--output", "-o")
    {
        Description = "the file to write (made 0600, as the database is); default standard output",
        HelpName = "FILE",
    };

    public static readonly Command Definition = Define();

    private static Command Define()
    {
        var command = new Command("export", "Write every call and drop as JSON Lines (docs/export-format.md).") { Db, Format, Output };
        CommandSyntax.SetExamples(command, "pytrace export -o calls.jsonl", "pytrace export --db other.sqlite | jq -c 'select(.exception)'");
        return command;
    }

    public static int Run(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr) => CommandGuard.Run("export", stderr, () =>
    {
        if (CommandSyntax.Parse(Definition, args, stdout, e => throw new UsageException(e), out var parsed) is { } code)
            return code;
        if ((parsed.GetValue(Format) ?? "jsonl") != "jsonl")
            throw new UsageException($"unknown format '{parsed.GetValue(Format)}' (formats: jsonl)");
        using var db = TraceDb.Open(ReadingOptions.DbPath(parsed, Db));
        var store = new CallStore(db);
        var file = parsed.GetValue(Output);
        using var console = new StandardOutput(stdout);
        using var output = file is null ? null : new StreamWriter(OwnerOnly(file), new UTF8Encoding(false), 1 << 16);
        var writer = new JsonlWriter(output ?? console.Writer, store.ThreadNames());
        foreach (var (call, callArgs, drop) in CallStream.Read(store, ViewScope.All, withDrops: true))
        {
            if (call is not null)
                writer.WriteCall(call, callArgs);
            else
                writer.WriteDrop(drop!);
        }
        return 0;
    });

    /// <summary>The export holds the same argument values as the database (0600): a new file is made 0600 too.</summary>
    private static FileStream OwnerOnly(string path)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        return new FileStream(path, options);
    }
}
