using System.CommandLine;
using Pytrace.Cli.Commands;
using Pytrace.Cli.Running;
using Pytrace.Reader.Commands;

namespace Pytrace.Cli;

/// <summary>
/// Routes `pytrace ...` to a subcommand: reading when there is nothing to run, else running a program. A subcommand's
/// name always means the subcommand, also where a file of that name exists: that script runs as `pytrace ./query`.
/// </summary>
public static class CommandLine
{
    private static readonly Command PythonPath = DefinePythonPath();

    private static Command DefinePythonPath()
    {
        var command = new Command("pythonpath", "Print the one folder to put on PYTHONPATH so that a plain python can import pytrace.");
        CommandSyntax.SetExamples(command, "PYTHONPATH=$(pytrace pythonpath) python3 examples/partial.py");
        return command;
    }

    /// <summary>Every command, with run as the root: help lists them, and a misspelt one is suggested from them.</summary>
    private static readonly RootCommand Root = Define();

    // An explicit static constructor builds the tree before Dispatch runs, so each subcommand has its root by then.
    static CommandLine() { }

    private static RootCommand Define()
    {
        var root = RunOptions.Definition;
        // Each subcommand has its own -h/--help, with its examples.
        foreach (var help in root.Options.OfType<System.CommandLine.Help.HelpOption>())
            help.Recursive = false;
        foreach (var command in new[] { ReadCommand.Definition, QueryCommand.Definition, StatsCommand.Definition, DiffCommand.Definition, ExportCommand.Definition, PythonPath, DumpCommand.Definition })
            root.Subcommands.Add(command);
        return root;
    }

    public static IEnumerable<string> SubcommandNames => Root.Subcommands.Where(c => !c.Hidden).Select(c => c.Name);

    public static int Dispatch(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Count == 0) return ReadCommand.Run(args, stdout, stderr);
        string first = args[0];
        var rest = args.Skip(1).ToList();
        switch (first)
        {
            case "-h" or "--help" or "help":
                return CommandSyntax.Parse(Root, ["--help"], stdout, _ => { }, out _) ?? 0;
            case "--version":
                stdout.WriteLine("pytrace " + Installation.Version);
                return 0;
            case "read": return ReadCommand.Run(rest, stdout, stderr);
            case "query": return QueryCommand.Run(rest, stdout, stderr);
            case "export": return ExportCommand.Run(rest, stdout, stderr);
            case "stats": return StatsCommand.Run(rest, stdout, stderr);
            case "diff": return DiffCommand.Run(rest, stdout, stderr);
            case "run": return RunCommand.Run(rest, stdout, stderr);
            case "pythonpath":
                if (CommandSyntax.Parse(PythonPath, rest, stdout, e => stderr.WriteLine("pytrace pythonpath: " + e), out _) is { } code)
                    return code;
                if (Installation.Boot is null)
                {
                    stderr.WriteLine($"pytrace pythonpath: no pytrace package at {Installation.Searched}");
                    return 2;
                }
                stdout.WriteLine(Installation.Boot);
                return 0;
            case DumpCommand.Name: return DumpCommand.Run(rest, Console.In, stdout, stderr);
            default: return RunCommand.Run(args, stdout, stderr);
        }
    }
}
