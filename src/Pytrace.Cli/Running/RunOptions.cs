using System.Globalization;

namespace Pytrace.Cli.Running;

/// <summary>What `pytrace [options] SCRIPT|-m MODULE [ARGS...]` asked for. Everything after the target belongs to it.</summary>
internal sealed class RunOptions
{
    public string? Python;
    public string Db = "traces.sqlite";
    public bool Append;
    public long MaxTraces = 1_000_000;
    public long BufferSize = 16L << 20;
    public List<string> Modules = [];
    public bool IgnoreSitePackages;
    public string Repr = "safe";
    public int MaxValueLength = 100;
    public string OnFull = "drop";
    public string? Script;
    public string? Module;
    public List<string> ProgramArgs = [];

    public const string Usage = """
        usage: pytrace [options] SCRIPT [ARGS...]
               pytrace [options] -m MODULE [ARGS...]
               pytrace [read [DB]] | query FILTER | export --format jsonl
               pytrace pythonpath     the folder to put on PYTHONPATH to `import pytrace` in a plain python

        options:
          --python PATH          interpreter to run (default: $PYTRACE_PYTHON, else python3 on PATH)
          --db PATH              database to write (default: ./traces.sqlite; replaced unless --append)
          --append               add this run to an existing database
          --max-traces N         keep the newest N calls (default 1000000; 0 = all)
          --buffer-size SIZE     shared-memory ring per process, e.g. 64M (default 16M)
          --on-full drop|wait    when the ring is full: drop and count (default), or wait for the dumper
          --modules DIRS         record only code under these colon-separated folders (also $TRACE_MODULES)
          --ignore-site-packages do not record code under site-packages
          --repr safe|full       safe: no user code runs (default); full: call __repr__ under guards
          --max-value-length N   cut values longer than N characters (default 100)
        """;

    /// <summary>Parses; returns an error line (naming what was wrong) or null.</summary>
    public static string? TryParse(IReadOnlyList<string> args, out RunOptions options)
    {
        options = new RunOptions();
        int i = 0;
        for (; i < args.Count; i++)
        {
            string a = args[i];
            if (a == "-m")
            {
                if (i + 1 >= args.Count) return "-m needs a module name, e.g. pytrace -m http.server";
                options.Module = args[i + 1];
                i += 2;
                break;
            }
            if (!a.StartsWith('-') || a == "-")
            {
                options.Script = a;
                i++;
                break;
            }
            string name = a, value = "";
            int eq = a.IndexOf('=');
            if (eq > 0) { name = a[..eq]; value = a[(eq + 1)..]; }
            bool takesValue = name is "--python" or "--db" or "--max-traces" or "--buffer-size" or "--modules" or "--repr"
                or "--max-value-length" or "--on-full";
            if (takesValue && eq < 0)
            {
                if (i + 1 >= args.Count) return $"{name} needs a value (see pytrace --help)";
                value = args[++i];
            }
            if (!takesValue && eq > 0) return $"{name} takes no value, not '{value}'";
            if (takesValue && value.Length == 0) return $"{name} needs a value, not an empty one (see pytrace --help)";
            switch (name)
            {
                case "--python": options.Python = value; break;
                case "--db": options.Db = value; break;
                case "--append": options.Append = true; break;
                case "--ignore-site-packages": options.IgnoreSitePackages = true; break;
                case "--modules":
                    foreach (var folder in value.Split(':', StringSplitOptions.RemoveEmptyEntries))
                    {
                        if (!Directory.Exists(folder)) return $"--modules: no folder '{folder}' (record only code under existing folders)";
                        options.Modules.Add(folder);
                    }
                    break;
                case "--max-traces":
                    if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out options.MaxTraces))
                        return $"--max-traces wants a whole number of calls, not '{value}'";
                    break;
                case "--max-value-length":
                    if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out options.MaxValueLength) || options.MaxValueLength < 8 || options.MaxValueLength > 10000)
                        return $"--max-value-length wants a number of characters from 8 to 10000, not '{value}'";
                    break;
                case "--buffer-size":
                    if (ParseSize(value) is not { } size || size < 64 * 1024 || size > (16L << 30))
                        return $"--buffer-size wants a size from 64K to 16G such as 256M, not '{value}'";
                    options.BufferSize = size;
                    break;
                case "--repr":
                    if (value is not ("safe" or "full")) return $"--repr is 'safe' or 'full', not '{value}'";
                    options.Repr = value;
                    break;
                case "--on-full":
                    if (value is not ("drop" or "wait")) return $"--on-full is 'drop' or 'wait', not '{value}'";
                    options.OnFull = value;
                    break;
                default:
                    return $"unknown option {name} (see pytrace --help)";
            }
        }
        if (options.Script is null && options.Module is null) return "nothing to run: give a script or -m MODULE (see pytrace --help)";
        for (; i < args.Count; i++) options.ProgramArgs.Add(args[i]);
        return null;
    }

    public static long? ParseSize(string text)
    {
        if (text.Length == 0) return null;
        long multiplier = char.ToUpperInvariant(text[^1]) switch { 'K' => 1L << 10, 'M' => 1L << 20, 'G' => 1L << 30, _ => 1 };
        string digits = multiplier == 1 ? text : text[..^1];
        if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long n)) return null;
        return n > long.MaxValue / multiplier ? null : n * multiplier; // 17179869185G is too big, not 1 GiB
    }
}
