using System.Runtime.InteropServices;
using Pytrace.Core.Options;
using Pytrace.Generator.Formatting;
using Pytrace.Generator.Hooks;
using Pytrace.Generator.Interop;
using Pytrace.Interop;
using Pytrace.Generator.Tracing;

namespace Pytrace.Generator;

/// <summary>The extension module <c>pytrace._native</c>: its init function and the functions the Python API calls.</summary>
internal static unsafe class Module
{
    [UnmanagedCallersOnly(EntryPoint = "PyInit__native")]
    private static nint Init()
    {
        try
        {
            Py.Resolve();
            if (Py.Minor < 8) return Py.Raise(Py.RuntimeError, "pytrace needs CPython 3.8 or newer");
            FrameLayout.Initialize(Py.Minor);
            PyStr.Initialize(Py.Minor);
            PyInt.Initialize(Py.Minor);
            HashTables.Initialize(Py.Minor);
            LibraryTypes.Initialize();
            ThreadRegistry.Initialize();
            if (!Probe.Run()) FrameLayout.Verified = false;
            nint methods = (nint)NativeMemory.AllocZeroed(8, 32);
            var defs = (nint*)methods;
            CopyDef(defs, 0, Py.MethodDef("_start", (delegate* unmanaged<nint, nint, nint>)&StartTracing, Py.MethO,
                "_start(config: dict) -> None. Starts recording this process into a shared-memory ring."));
            CopyDef(defs, 1, Py.MethodDef("_stop", (delegate* unmanaged<nint, nint, nint>)&StopTracing, Py.MethNoArgs,
                "_stop() -> None. Stops recording and marks the ring finished."));
            CopyDef(defs, 2, Py.MethodDef("_notrace", (delegate* unmanaged<nint, nint, nint>)&NoTrace, Py.MethO,
                "_notrace(code) -> None. Neither this code object nor anything it calls is recorded."));
            CopyDef(defs, 3, Py.MethodDef("_is_tracing", (delegate* unmanaged<nint, nint, nint>)&IsTracing, Py.MethNoArgs,
                "_is_tracing() -> bool."));
            CopyDef(defs, 4, Py.MethodDef("_layout_verified", (delegate* unmanaged<nint, nint, nint>)&LayoutVerified, Py.MethNoArgs,
                "_layout_verified() -> bool. Whether arguments are read through checked frame offsets."));
            CopyDef(defs, 5, Py.MethodDef("_log", (delegate* unmanaged<nint, nint, nint>)&Log, Py.MethVarArgs,
                "_log(module, file, line, names, values) -> None. Records a log entry at the current call depth."));
            CopyDef(defs, 6, Py.MethodDef("_check_option", (delegate* unmanaged<nint, nint, nint>)&CheckOption, Py.MethVarArgs,
                "_check_option(name, text) -> str. The canonical text of start()'s option NAME, or ValueError saying what it wants."));
            return Py.CreateModule("pytrace._native", "pytrace's generator: records calls into a shared-memory ring.", methods);
        }
        catch (Exception e)
        {
            return Py.RuntimeError != 0 ? Py.Raise(Py.RuntimeError, "pytrace could not load: " + e.Message) : 0;
        }
    }

    private static void CopyDef(nint* defs, int index, nint def)
    {
        Buffer.MemoryCopy((void*)def, defs + index * 4, 32, 32);
    }

    [UnmanagedCallersOnly]
    private static nint StartTracing(nint self, nint config)
    {
        try
        {
            if (Py.TypeOf(config) != Py.DictType) return Py.Raise(Py.TypeError, "_start expects a dict");
            var options = Config.Read(config);
            if (options.Error is not null) return Py.Raise(Py.ValueError, options.Error);
            string? error = Session.Start(options.WaitForMain, options.PythonVersion, options.Executable);
            return error is null ? Py.NewNone() : Py.Raise(Py.RuntimeError, "pytrace: " + error);
        }
        catch (Exception e)
        {
            return Py.Raise(Py.RuntimeError, "pytrace: " + e.Message);
        }
    }

    [UnmanagedCallersOnly]
    private static nint StopTracing(nint self, nint unused)
    {
        try
        {
            Session.Stop();
        }
        catch (Exception e)
        {
            InternalError.Report(e);
        }
        return Py.NewNone();
    }

    [UnmanagedCallersOnly]
    private static nint NoTrace(nint self, nint code)
    {
        if (Py.TypeOf(code) != Py.CodeType) return Py.Raise(Py.TypeError, "_notrace expects a code object");
        try
        {
            CodeRegistry.MarkNoTrace(code);
        }
        catch (Exception e)
        {
            InternalError.Report(e);
        }
        return Py.NewNone();
    }

    [UnmanagedCallersOnly]
    private static nint Log(nint self, nint args)
    {
        try
        {
            return LogEntry(args);
        }
        catch (Exception e)
        {
            InternalError.Report(e);
            return Py.NewNone();
        }
    }

    private static nint LogEntry(nint args)
    {
        if (!Session.Active) return Py.NewNone();
        nint* a = (nint*)(args + 24);
        if (Py.VarSize(args) != 5 || Py.TypeOf(a[2]) != Py.LongType || Py.TypeOf(a[3]) != Py.TupleType || Py.TypeOf(a[4]) != Py.TupleType)
            return Py.Raise(Py.TypeError, "_log expects (module, file, line, names, values)");
        ulong ticks = TscClock.Read();
        nint tstate = Py.ThreadStateGet();
        ThreadInfo* t = ThreadRegistry.Current(tstate);
        if (!Gate.Recording(t, tstate)) return Py.NewNone();
        int overflow;
        Tracer.Log(t, a[0], a[1], (int)Py.LongAsLongLongAndOverflow(a[2], &overflow), a[3], a[4], ticks);
        return Py.NewNone();
    }

    /// <summary>start()'s options are checked by the command line's own definitions, in the API's spelling.</summary>
    [UnmanagedCallersOnly]
    private static nint CheckOption(nint self, nint args)
    {
        try
        {
            nint* a = (nint*)(args + 24);
            if (Py.VarSize(args) != 2 || Py.TypeOf(a[0]) != Py.UnicodeType || Py.TypeOf(a[1]) != Py.UnicodeType)
                return Py.Raise(Py.TypeError, "_check_option expects (name, text)");
            string name = Py.ToManaged(a[0]) ?? "", text = Py.ToManaged(a[1]) ?? "";
            if (RecordingOption.ByPythonName(name) is not { } option) return Py.Raise(Py.ValueError, $"pytrace: no option {name}");
            return option.Parse(text, name, out var error) is { } canonical ? Py.NewString(canonical) : Py.Raise(Py.ValueError, "pytrace: " + error);
        }
        catch (Exception e)
        {
            return Py.Raise(Py.RuntimeError, "pytrace: " + e.Message);
        }
    }

    [UnmanagedCallersOnly]
    private static nint IsTracing(nint self, nint unused) => Bool(Session.Active);

    [UnmanagedCallersOnly]
    private static nint LayoutVerified(nint self, nint unused) => Bool(FrameLayout.Verified);

    private static nint Bool(bool value)
    {
        nint o = value ? Py.True : Py.False;
        Py.IncRef(o);
        return o;
    }
}
