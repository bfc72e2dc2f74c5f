namespace Pytrace.Reader.Commands;

/// <summary>Parses `--name VALUE`, `--name=VALUE` and positionals against a fixed set of option names.</summary>
public sealed class Options
{
    private readonly Dictionary<string, string> _values = [];

    public List<string> Positionals { get; } = [];

    /// <summary>-h or --help was given: the command prints its usage and does nothing else.</summary>
    public bool Help { get; private set; }

    public static Options Parse(IReadOnlyList<string> args, IReadOnlyCollection<string> names, int maxPositionals)
    {
        var options = new Options();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is "-h" or "--help")
                options.Help = true;
            else if (arg.StartsWith('-') && arg.Length > 1)
            {
                var eq = arg.IndexOf('=');
                var name = eq > 0 ? arg[..eq] : arg;
                if (!names.Contains(name))
                    throw new UsageException($"unknown option {name} (options: {string.Join(", ", names)}, --help)");
                if (eq < 0 && i + 1 >= args.Count)
                    throw new UsageException($"{name} needs a value");
                options._values[name] = eq > 0 ? arg[(eq + 1)..] : args[++i];
            }
            else if (options.Positionals.Count < maxPositionals)
                options.Positionals.Add(arg);
            else
                throw new UsageException($"unexpected argument '{arg}'");
        }
        return options;
    }

    public string? this[string name] => _values.GetValueOrDefault(name);

    public string Db(string? positional = null) => this["--db"] ?? positional ?? Data.TraceDb.DefaultPath;
}
