using System.Runtime.InteropServices;

namespace Pytrace.Generator.Interop;

/// <summary>
/// CPython's C API, resolved at run time from the hosting interpreter so one binary serves 3.8-3.13.
/// PyObject* is <c>nint</c>. Each partial file resolves one API group; a missing required symbol fails the import.
/// </summary>
internal static unsafe partial class Py
{
    private static nint s_process;

    public static int Minor { get; private set; }

    public static void Resolve()
    {
        s_process = NativeLibrary.GetMainProgramHandle();
        var getVersion = (delegate* unmanaged<byte*>)Require("Py_GetVersion");
        Minor = ParseMinor(getVersion());
        ResolveObjects();
        ResolveErrors();
        ResolveModules();
        ResolveValues();
        ResolveEval();
        ResolveTypes();
        ResolveHooks();
    }

    private static int ParseMinor(byte* version)
    {
        // "3.11.7 (main, ...": the digits after the first dot.
        int i = 0;
        while (version[i] != '.' && version[i] != 0) i++;
        int minor = 0;
        for (i++; version[i] >= '0' && version[i] <= '9'; i++) minor = minor * 10 + (version[i] - '0');
        return minor;
    }

    public static nint Require(string name) =>
        NativeLibrary.TryGetExport(s_process, name, out nint address)
            ? address
            : throw new EntryPointNotFoundException($"pytrace: this Python does not export {name}");

    public static nint Optional(string name) =>
        NativeLibrary.TryGetExport(s_process, name, out nint address) ? address : 0;
}
