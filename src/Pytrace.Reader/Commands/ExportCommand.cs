using System.Text;
using Pytrace.Reader.Data;
using Pytrace.Reader.Export;

namespace Pytrace.Reader.Commands;

/// <summary>`pytrace export [--db PATH] --format jsonl [-o FILE]`: every call and drop as JSON Lines.</summary>
public static class ExportCommand
{
    public const string Usage = """
        usage: pytrace export [--db PATH] [--format jsonl] [-o FILE]
          writes every call and drop as JSON Lines (docs/export-format.md), to FILE (made 0600) or standard output
          --db PATH        the database (default ./traces.sqlite)
          --format jsonl   the format (the only one)
          -o, --output F   the file to write
        """;

    public static int Run(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr) => CommandGuard.Run("export", stderr, () =>
    {
        var options = Options.Parse(args, ["--db", "--format", "-o", "--output"], 0);
        if (options.Help)
        {
            stdout.WriteLine(Usage);
            return 0;
        }
        if ((options["--format"] ?? "jsonl") != "jsonl")
            throw new UsageException($"unknown format '{options["--format"]}' (formats: jsonl)");
        using var db = TraceDb.Open(options.Db());
        var store = new CallStore(db);
        var file = options["-o"] ?? options["--output"];
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
