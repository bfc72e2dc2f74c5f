using System.Runtime.InteropServices;
using Pytrace.Generator.Interop;
using Pytrace.Generator.Tracing;

namespace Pytrace.Generator.Hooks;

/// <summary>
/// 3.8-3.11: a thread's hooks are its own, so every new thread must get ours. _thread.start_new_thread (which
/// threading uses as threading._start_new_thread) is stood in for by a look-alike that starts the thread in a C
/// runner: it installs the hooks, then calls the function as _thread would, uncaught errors reported the same way.
/// Unlike threading.setprofile this leaves threading's profile hook to the program, and covers _thread users too.
/// </summary>
internal static unsafe class ThreadStart
{
    private static nint s_thread, s_threading, s_original, s_ours, s_runner;

    public static void Install()
    {
        if (s_thread == 0)
        {
            s_thread = Py.Import("_thread");
            if (s_thread == 0) { Py.ErrClear(); return; }
            s_original = Py.GetAttr(s_thread, "start_new_thread"u8);
            if (s_original == 0 || Py.TypeOf(s_original) != Py.CFunctionType) { s_original = 0; return; }
            s_ours = SysHooks.LookAlike(s_original, (delegate* unmanaged<nint, nint, nint>)&StartNewThread);
            s_runner = Py.CFunctionNew(Py.MethodDef("_pytrace_thread", (delegate* unmanaged<nint, nint, nint>)&Run, Py.MethVarArgs), 0, 0);
            s_threading = Py.Import("threading");
            if (s_threading == 0) Py.ErrClear();
        }
        if (s_ours == 0) return;
        Py.SetAttr(s_thread, "start_new_thread"u8, s_ours);
        if (s_threading != 0) Swap(s_original, s_ours);
    }

    public static void Uninstall()
    {
        if (s_ours == 0) return;
        Py.SetAttr(s_thread, "start_new_thread"u8, s_original);
        if (s_threading != 0) Swap(s_ours, s_original);
    }

    /// <summary>threading keeps its own reference (threading._start_new_thread); replaced only while it is the one we know.</summary>
    private static void Swap(nint expected, nint replacement)
    {
        nint current = Py.GetAttr(s_threading, "_start_new_thread"u8);
        if (current == expected) Py.SetAttr(s_threading, "_start_new_thread"u8, replacement);
        Py.DecRef(current);
    }

    /// <summary>start_new_thread(function, args[, kwargs]): anything _thread would refuse goes to it unchanged.</summary>
    [UnmanagedCallersOnly]
    private static nint StartNewThread(nint self, nint args)
    {
        try
        {
            return Start(args);
        }
        catch (Exception e)
        {
            InternalError.Report(e);
            return Py.Call(s_original, args, 0);
        }
    }

    private static nint Start(nint args)
    {
        long n = Py.VarSize(args);
        nint* a = (nint*)(args + 24);
        bool ours = Tracer.Active && (n == 2 || n == 3) && Py.CallableCheck(a[0]) != 0 && Py.IsSubtype(Py.TypeOf(a[1]), Py.TupleType)
            && (n == 2 || Py.IsSubtype(Py.TypeOf(a[2]), Py.DictType));
        if (!ours) return Py.Call(s_original, args, 0);
        for (int i = 0; i < n; i++) Py.IncRef(a[i]);
        nint packed = n == 3 ? Py.Tuple(a[0], a[1], a[2]) : Py.Tuple(a[0], a[1]);
        Py.IncRef(s_runner);
        nint runnerArgs = Py.Tuple(s_runner, packed);
        nint r = Py.Call(s_original, runnerArgs, 0);
        Py.DecRef(runnerArgs);
        return r;
    }

    /// <summary>The new thread's first code: our hooks, then function(*args, **kwargs) as _thread's t_bootstrap calls it.</summary>
    [UnmanagedCallersOnly]
    private static nint Run(nint self, nint packed)
    {
        nint* a = (nint*)(packed + 24);
        try
        {
            if (Tracer.Active) ProfileHook.InstallInThread(Py.ThreadStateGet());
        }
        catch (Exception e)
        {
            InternalError.Report(e);
        }
        nint r = Py.Call(a[0], a[1], Py.VarSize(packed) == 3 ? a[2] : 0);
        if (r != 0 || Py.ErrExceptionMatches(Py.SystemExit) != 0) return r; // t_bootstrap ignores SystemExit silently
        if (Py.WriteUnraisableMsg == null) return 0;
        fixed (byte* message = "in thread started by\0"u8) Py.WriteUnraisableMsg(message, a[0]);
        return Py.NewNone();
    }
}
