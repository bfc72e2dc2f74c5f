using System.CommandLine;
using System.Globalization;
using Pytrace.Core.Options;
using Pytrace.Reader.Commands;

namespace Pytrace.Cli.Running;

/// <summary>
/// What `pytrace [options] SCRIPT|-m MODULE [ARGS...]` asked for. The options are declared here once, with the
/// recording settings' own definitions (<see cref="RecordingOption"/>); everything after the target belongs to it.
/// </summary>
internal sealed class RunOptions
{
    public string? Python;
    public string Db = "traces.sqlite";
    public bool Append;
    public long MaxTraces;
    public long BufferSize;
    public List<string> Modules = [];
    public bool IgnoreSitePackages;
    public bool CCalls;
    public string Repr = "";
    public int MaxValueLength;
    public string OnFull = "";
    public string? Script;
    public string? Module;
    public List<string> ProgramArgs = [];

    private static readonly Option<string> PythonOption = RecordingOptions.Python();

    private static readonly Option<string> DbOption = RecordingOptions.Db();

    private static readonly Option<bool> AppendOption = RecordingOptions.Append();

    private static readonly Option<bool> IgnoreSitePackagesOption = new("--ignore-site-packages") { Description = "do not record code under site-packages" };

    private static readonly Option<bool> CCallsOption = new("--c-calls")
    {
        Description = "also record calls of built-in and extension functions (len, sorted, time.sleep): name and time, no " +
                      "arguments. Off by default: then their time counts in the Python caller",
    };

    private static readonly Option<string> ModuleOption = new("-m") { Description = "run a module, as python -m does", HelpName = "MODULE" };

    private static readonly Option<string> MaxTracesOption = RecordingOptions.Declare(RecordingOption.MaxTraces);
    private static readonly Option<string> BufferSizeOption = RecordingOptions.Declare(RecordingOption.BufferSize);
    private static readonly Option<string> OnFullOption = RecordingOptions.Declare(RecordingOption.OnFull);
    private static readonly Option<string> ModulesOption = RecordingOptions.Declare(RecordingOption.Modules);
    private static readonly Option<string> ReprOption = RecordingOptions.Declare(RecordingOption.Repr);
    private static readonly Option<string> MaxValueLengthOption = RecordingOptions.Declare(RecordingOption.MaxValueLength);

    /// <summary>The root command: running a program, with the reading commands beside it.</summary>
    public static readonly RootCommand Definition = Define();

    private static RootCommand Define()
    {
        var root = new RootCommand("""
            Record every function call of a Python program into SQLite, then read it.
              pytrace [options] SCRIPT [ARGS...]       run SCRIPT; everything after it is the program's own
              pytrace [options] -m MODULE [ARGS...]    run a module, as python -m does
              pytrace                                  read the trace (the read command)
            """)
        {
            PythonOption, DbOption, AppendOption, IgnoreSitePackagesOption, CCallsOption, ModuleOption,
            MaxTracesOption, BufferSizeOption, OnFullOption, ModulesOption, ReprOption, MaxValueLengthOption,
        };
        // Running is the root's own action: it needs no subcommand (RunCommand does the work, not this).
        root.SetAction(_ => 0);
        CommandSyntax.SetExamples(root,
            "pytrace app.py --flag           record a script (everything after it is the script's)",
            "pytrace -m http.server 8000     record a module",
            "pytrace --db run2.sqlite --max-traces 0 --modules src app.py",
            "pytrace                         read the trace (h for help)",
            "pytrace query \"func == 'main'\"",
            "pytrace pythonpath              the folder that lets a plain python import pytrace");
        return root;
    }

    /// <summary>Parses; returns the one line saying what was wrong, or null.</summary>
    public static string? TryParse(IReadOnlyList<string> args, out RunOptions options)
    {
        options = new RunOptions();
        // The program's own arguments may look like ours (`pytrace app.py --db x`): only what comes before the
        // target is parsed as pytrace's.
        int target = TargetIndex(args);
        if (target < 0)
            return args.Count > 0 && TakesValue.Contains(args[^1])
                ? $"{args[^1]} needs a value (see pytrace --help)"
                : "nothing to run: give a script or -m MODULE (see pytrace --help)";
        bool module = args[target] == "-m";
        if (module && target + 1 >= args.Count) return "-m needs a module name, e.g. pytrace -m http.server";
        var ours = args.Take(target).ToList();
        if (module) ours.AddRange(["-m", args[target + 1]]);
        if (ours.FirstOrDefault(a => a.Contains('=') && Flags.Contains(a[..a.IndexOf('=')])) is { } flag)
            return $"{flag[..flag.IndexOf('=')]} takes no value, not '{flag[(flag.IndexOf('=') + 1)..]}'";
        var parsed = Definition.Parse(ours);
        if (CommandSyntax.FirstError(parsed) is { } error) return error;
        options.Python = parsed.GetValue(PythonOption);
        options.Db = parsed.GetValue(DbOption) ?? options.Db;
        options.Append = parsed.GetValue(AppendOption);
        options.IgnoreSitePackages = parsed.GetValue(IgnoreSitePackagesOption);
        options.CCalls = parsed.GetValue(CCallsOption);
        options.Module = parsed.GetValue(ModuleOption);
        options.MaxTraces = long.Parse(RecordingOptions.Value(parsed, MaxTracesOption, RecordingOption.MaxTraces)!, CultureInfo.InvariantCulture);
        options.BufferSize = long.Parse(RecordingOptions.Value(parsed, BufferSizeOption, RecordingOption.BufferSize)!, CultureInfo.InvariantCulture);
        options.MaxValueLength = int.Parse(RecordingOptions.Value(parsed, MaxValueLengthOption, RecordingOption.MaxValueLength)!, CultureInfo.InvariantCulture);
        options.OnFull = RecordingOptions.Value(parsed, OnFullOption, RecordingOption.OnFull)!;
        options.Repr = RecordingOptions.Value(parsed, ReprOption, RecordingOption.Repr)!;
        options.Modules = [.. RecordingOptions.Value(parsed, ModulesOption, RecordingOption.Modules)?.Split(':', StringSplitOptions.RemoveEmptyEntries) ?? []];
        if (!module) options.Script = args[target];
        options.ProgramArgs = [.. args.Skip(target + (module ? 2 : 1))];
        return null;
    }

    private static readonly HashSet<string> TakesValue = Names(Definition.Options.Where(o => o.Arity.MaximumNumberOfValues > 0 && o.ValueType != typeof(bool)));

    private static readonly HashSet<string> Flags = Names(Definition.Options.Where(o => o.ValueType == typeof(bool)));

    private static HashSet<string> Names(IEnumerable<Option> options) => options.SelectMany(o => o.Aliases.Prepend(o.Name)).ToHashSet(StringComparer.Ordinal);

    /// <summary>Where the script (or -m) is: the first word that is neither an option of ours nor an option's value.</summary>
    private static int TargetIndex(IReadOnlyList<string> args)
    {
        for (int i = 0; i < args.Count; i++)
        {
            string a = args[i];
            if (a == "-m" || !a.StartsWith('-') || a == "-") return i;
            if (!a.Contains('=') && TakesValue.Contains(a)) i++;
        }
        return -1;
    }
}
