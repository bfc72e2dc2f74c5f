using Pytrace.Generator.Formatting;
using Pytrace.Generator.Interop;
using Pytrace.Generator.Tracing;

namespace Pytrace.Generator;

/// <summary>Reads the dict given to <c>_start</c> and applies it; names are the keyword options of pytrace.start().</summary>
internal sealed unsafe class Config
{
    public string? Error;
    public bool WaitForMain;
    public string PythonVersion = "";
    public string Executable = "";

    private static readonly string[] s_known =
    [
        "session", "ring_dir", "buffer_size", "max_value_length", "repr", "modules", "ignore", "skip_files",
        "on_full", "wait_for_main", "skip_functions", "python_version", "executable", "c_calls",
    ];

    public static Config Read(nint dict)
    {
        var c = new Config();
        nint keys = Py.DictKeys(dict);
        for (long i = 0; i < Py.VarSize(keys); i++)
        {
            string? key = Py.ToManaged(((nint*)*(nint*)(keys + 24))[i]);
            if (key is null || Array.IndexOf(s_known, key) < 0) { c.Error = $"unknown pytrace option: {key}"; Py.DecRef(keys); return c; }
        }
        Py.DecRef(keys);
        RingFile.Session = String(dict, "session") ?? "s" + Environment.TickCount64;
        RingFile.Directory = String(dict, "ring_dir") ?? "/dev/shm";
        RingFile.Capacity = Int(dict, "buffer_size") ?? (16L << 20);
        RingFile.WaitWhenFull = String(dict, "on_full") == "wait";
        int maxLength = (int)(Int(dict, "max_value_length") ?? 100);
        string repr = String(dict, "repr") ?? "safe";
        if (repr is not ("safe" or "full")) { c.Error = $"repr must be 'safe' or 'full', not '{repr}'"; return c; }
        ValueFormatter.FullRepr = repr == "full";
        if (maxLength < 8) { c.Error = "max_value_length must be at least 8"; return c; }
        Tracer.Initialize(maxLength);
        ContainerTexts.Initialize(maxLength, ValueFormatter.FullRepr);
        CodeRegistry.TracedFolders = Folders(dict, "modules");
        CodeRegistry.IgnoredFolders = Folders(dict, "ignore");
        CodeRegistry.SkippedFiles = Strings(dict, "skip_files");
        CodeRegistry.SkippedFunctions = Strings(dict, "skip_functions");
        c.WaitForMain = Get(dict, "wait_for_main") == Py.True;
        Hooks.NativeCalls.Enabled = Get(dict, "c_calls") == Py.True;
        c.PythonVersion = String(dict, "python_version") ?? "";
        c.Executable = String(dict, "executable") ?? "";
        return c;
    }

    private static nint Get(nint dict, string key)
    {
        byte* k = Py.Utf8Z(key);
        nint v = Py.DictGetItemString(dict, k);
        System.Runtime.InteropServices.NativeMemory.Free(k);
        return v == Py.None ? 0 : v;
    }

    private static string? String(nint dict, string key)
    {
        nint v = Get(dict, key);
        return v != 0 && Py.TypeOf(v) == Py.UnicodeType ? Py.ToManaged(v) : null;
    }

    private static long? Int(nint dict, string key)
    {
        nint v = Get(dict, key);
        if (v == 0 || Py.TypeOf(v) != Py.LongType) return null;
        int overflow;
        return Py.LongAsLongLongAndOverflow(v, &overflow);
    }

    private static string[] Strings(nint dict, string key)
    {
        nint v = Get(dict, key);
        if (v == 0 || (Py.TypeOf(v) != Py.ListType && Py.TypeOf(v) != Py.TupleType)) return [];
        nint* items = Py.TypeOf(v) == Py.ListType ? *(nint**)(v + 24) : (nint*)(v + 24);
        var result = new List<string>();
        for (long i = 0; i < Py.VarSize(v); i++) if (Py.ToManaged(items[i]) is { } s) result.Add(s);
        return [.. result];
    }

    private static string[] Folders(nint dict, string key) =>
        [.. Strings(dict, key).Where(f => f.Length > 0).Select(f => Path.TrimEndingDirectorySeparator(Path.GetFullPath(f)) + "/")];
}
