using System.Globalization;

namespace Pytrace.Core.Options;

/// <summary>
/// One setting of a recording, defined once for everyone who takes it: the command line (<c>--buffer-size 64M</c>),
/// the dump helper, and the Python API (<c>buffer_size="64M"</c>, checked by the generator). Parsing turns the
/// text into its canonical form (a size into bytes) or says, in one line, what it wants.
/// </summary>
public sealed class RecordingOption
{
    private readonly Func<string, string?> _canonical;
    private readonly string _wants;

    private RecordingOption(string name, string? valueName, string help, string? defaultText, string wants, Func<string, string?> canonical)
    {
        Name = name;
        ValueName = valueName;
        Help = help;
        DefaultText = defaultText;
        _wants = wants;
        _canonical = canonical;
    }

    /// <summary>The command line's spelling without dashes (<c>buffer-size</c>); the API's is the same with underscores.</summary>
    public string Name { get; }

    /// <summary>What the value is called in help (SIZE, N, PATH), or null for a flag.</summary>
    public string? ValueName { get; }

    public string Help { get; }

    /// <summary>The default as a user would type it, or null when there is none.</summary>
    public string? DefaultText { get; }

    public string PythonName => Name.Replace('-', '_');

    /// <summary>The canonical text of VALUE, or null with ERROR naming the option as SHOWNAS (<c>--buffer-size</c>, <c>buffer_size</c>).</summary>
    public string? Parse(string value, string shownAs, out string? error)
    {
        string? canonical = value.Length == 0 ? null : _canonical(value);
        error = canonical is null
            ? value.Length == 0 ? $"{shownAs} needs a value, not an empty one" : $"{shownAs} {_wants}, not '{value}'"
            : null;
        return canonical;
    }

    public static readonly RecordingOption MaxTraces = new("max-traces", "N",
        "keep the newest N calls of this run (0 keeps all)", "1000000", "wants a whole number of calls",
        v => Whole(v, 0, long.MaxValue));

    public static readonly RecordingOption BufferSize = new("buffer-size", "SIZE",
        "shared-memory ring per process, e.g. 64M", "16M", "wants a size from 64K to 16G such as 256M",
        v => Size(v) is { } n && n >= 64 << 10 && n <= 16L << 30 ? n.ToString(CultureInfo.InvariantCulture) : null);

    public static readonly RecordingOption OnFull = new("on-full", "drop|wait",
        "when the ring is full: drop and count, or wait for the dumper", "drop", "is 'drop' or 'wait'",
        v => v is "drop" or "wait" ? v : null);

    public static readonly RecordingOption Repr = new("repr", "safe|full",
        "safe: no code of yours runs; full: call __repr__ under guards", "safe", "is 'safe' or 'full'",
        v => v is "safe" or "full" ? v : null);

    public static readonly RecordingOption MaxValueLength = new("max-value-length", "N",
        "cut values longer than N characters", "100", "wants a number of characters from 8 to 10000",
        v => Whole(v, 8, 10_000));

    public static readonly RecordingOption Modules = new("modules", "DIRS",
        "record only code under these colon-separated folders (also $TRACE_MODULES)", null, "wants existing folders",
        v => v.Split(':', StringSplitOptions.RemoveEmptyEntries) is { Length: > 0 } folders && folders.All(Directory.Exists) ? v : null);

    /// <summary>Every option the API checks through the generator, by its Python name.</summary>
    public static RecordingOption? ByPythonName(string name) =>
        Array.Find([MaxTraces, BufferSize, OnFull, Repr, MaxValueLength, Modules], o => o.PythonName == name);

    private static string? Whole(string text, long min, long max) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long n) && n >= min && n <= max
            ? n.ToString(CultureInfo.InvariantCulture) : null;

    /// <summary>A number of bytes, with an optional K, M or G (binary) suffix.</summary>
    public static long? Size(string text)
    {
        if (text.Length == 0) return null;
        long multiplier = char.ToUpperInvariant(text[^1]) switch { 'K' => 1L << 10, 'M' => 1L << 20, 'G' => 1L << 30, _ => 1 };
        string digits = multiplier == 1 ? text : text[..^1];
        if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long n)) return null;
        return n > long.MaxValue / multiplier ? null : n * multiplier; // 17179869185G is too big, not 1 GiB
    }
}
