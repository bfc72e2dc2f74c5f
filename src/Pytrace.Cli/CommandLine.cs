using Pytrace.Cli.Commands;
using Pytrace.Cli.Running;
using Pytrace.Reader.Commands;

namespace Pytrace.Cli;

/// <summary>Routes `pytrace ...` to a subcommand: reading when there is nothing to run, else running a program.</summary>
public static class CommandLine
{
    public static int Dispatch(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Count == 0) return ReadCommand.Run(args, stdout, stderr);
        string first = args[0];
        var rest = args.Skip(1).ToList();
        switch (first)
        {
            case "-h" or "--help" or "help":
                stdout.WriteLine(RunOptions.Usage);
                return 0;
            case "--version":
                stdout.WriteLine("pytrace " + typeof(CommandLine).Assembly.GetName().Version?.ToString(3));
                return 0;
            case "read" when !File.Exists(first): return ReadCommand.Run(rest, stdout, stderr);
            case "query" when !File.Exists(first): return QueryCommand.Run(rest, stdout, stderr);
            case "export" when !File.Exists(first): return ExportCommand.Run(rest, stdout, stderr);
            case "run" when !File.Exists(first): return RunCommand.Run(rest, stdout, stderr);
            case "pythonpath" when !File.Exists(first):
                stdout.WriteLine(PythonFolders.Module);
                return 0;
            case DumpCommand.Name: return DumpCommand.Run(rest, Console.In, stdout, stderr);
            default: return RunCommand.Run(args, stdout, stderr);
        }
    }
}
