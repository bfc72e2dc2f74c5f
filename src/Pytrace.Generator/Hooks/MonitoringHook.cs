using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Pytrace.Generator.Interop;
using Pytrace.Generator.Tracing;
using Pytrace.Records;

namespace Pytrace.Generator.Hooks;

/// <summary>
/// 3.12+: sys.monitoring (PEP 669) with C callbacks. Covers every thread, and code that is not recorded
/// returns DISABLE so it costs nothing afterwards; so does a @notrace function itself (see <see cref="FrameGate"/>).
/// </summary>
internal static unsafe class MonitoringHook
{
    private static nint s_disable;
    private static int s_toolId = -1;
    private static nint s_monitoring;

    /// <summary>
    /// Ids 0 (debugger), 1 (coverage), 2 (profiler, cProfile's) and 5 (optimizer) are taken by convention by the
    /// tools a program may run itself; 3 and 4 are free; then the optimizer id, which Python-level tools do not use, and the others last.
    /// </summary>
    private static ReadOnlySpan<int> ToolIds => [3, 4, 5, 1, 0, 2];

    /// <summary>The id pytrace holds, or -1.</summary>
    public static int ToolId => s_toolId;

    /// <param name="restart">A start() after a stop(): code that returned DISABLE last time may be recorded now.</param>
    public static bool Install(bool restart)
    {
        nint sys = Py.Import("sys");
        if (sys == 0) return false;
        s_monitoring = Py.GetAttr(sys, "monitoring"u8);
        Py.DecRef(sys);
        if (s_monitoring == 0) return false;
        s_disable = Py.GetAttr(s_monitoring, "DISABLE"u8);
        MonitoringTools.Capture(s_monitoring);
        if (!Claim(except: -1)) return false;
        if (restart)
        {
            nint r = Call("restart_events"u8);
            if (r != 0) Py.DecRef(r); else Py.ErrClear();
        }
        MonitoringTools.Hide();
        return true;
    }

    /// <summary>The program asks for pytrace's id: pytrace takes another free one first. False when none is left.</summary>
    public static bool MoveToAnotherId()
    {
        int old = s_toolId;
        s_toolId = -1;
        bool moved = Claim(except: old);
        Release(old);
        return moved;
    }

    /// <summary>Takes the first free id (not <paramref name="except"/>) and subscribes the callbacks there.</summary>
    private static bool Claim(int except)
    {
        foreach (int id in ToolIds)
        {
            if (id == except) continue;
            nint r = Call(MonitoringTools.UseToolId, Py.LongFromLongLong(id), Py.NewString("pytrace"));
            if (r != 0) { Py.DecRef(r); s_toolId = id; break; }
            Py.ErrClear();
        }
        if (s_toolId < 0) return false;
        nint events = Py.GetAttr(s_monitoring, "events"u8);
        long mask = 0;
        mask |= Register(events, "PY_START"u8, (delegate* unmanaged<nint, nint*, nint, nint>)&OnStart);
        mask |= Register(events, "PY_RESUME"u8, (delegate* unmanaged<nint, nint*, nint, nint>)&OnResume);
        mask |= Register(events, "PY_RETURN"u8, (delegate* unmanaged<nint, nint*, nint, nint>)&OnReturn);
        mask |= Register(events, "PY_YIELD"u8, (delegate* unmanaged<nint, nint*, nint, nint>)&OnYield);
        mask |= Register(events, "PY_UNWIND"u8, (delegate* unmanaged<nint, nint*, nint, nint>)&OnUnwind);
        mask |= Register(events, "PY_THROW"u8, (delegate* unmanaged<nint, nint*, nint, nint>)&OnThrow);
        // CALL comes for every call, Python's too: it costs an event per call, so it is asked for only with --c-calls.
        if (NativeCalls.Enabled && FrameGate.InForce)
        {
            mask |= Register(events, "CALL"u8, (delegate* unmanaged<nint, nint*, nint, nint>)&OnCall);
            mask |= Register(events, "C_RETURN"u8, (delegate* unmanaged<nint, nint*, nint, nint>)&OnCReturn);
            mask |= Register(events, "C_RAISE"u8, (delegate* unmanaged<nint, nint*, nint, nint>)&OnCRaise);
        }
        Py.DecRef(events);
        nint set = Call("set_events"u8, Py.LongFromLongLong(s_toolId), Py.LongFromLongLong(mask));
        if (set == 0) { Py.ErrClear(); return false; }
        Py.DecRef(set);
        return true;
    }

    public static void Uninstall()
    {
        MonitoringTools.Show();
        Release(s_toolId);
        s_toolId = -1;
    }

    private static void Release(int id)
    {
        if (id < 0) return;
        nint r = Call("set_events"u8, Py.LongFromLongLong(id), Py.LongFromLongLong(0));
        if (r != 0) Py.DecRef(r); else Py.ErrClear();
        r = Call(MonitoringTools.FreeToolId, Py.LongFromLongLong(id));
        if (r != 0) Py.DecRef(r); else Py.ErrClear();
    }

    private static long Register(nint events, ReadOnlySpan<byte> nameZ, delegate* unmanaged<nint, nint*, nint, nint> callback)
    {
        nint eventValue = Py.GetAttr(events, nameZ);
        int overflow;
        long bit = Py.LongAsLongLongAndOverflow(eventValue, &overflow);
        fixed (byte* name = nameZ)
        {
            nint function = Py.VectorcallCallable(callback);
            if (function == 0) function = Py.CFunctionNew(Py.MethodDef(Marshal.PtrToStringUTF8((nint)name)!, callback, Py.MethFastCall), 0, 0);
            nint r = Call("register_callback"u8, Py.LongFromLongLong(s_toolId), eventValue, function);
            if (r != 0) Py.DecRef(r); else Py.ErrClear();
        }
        return bit;
    }

    private static nint Call(ReadOnlySpan<byte> nameZ, params ReadOnlySpan<nint> stolenArgs)
    {
        nint function = Py.GetAttr(s_monitoring, nameZ);
        nint result = Call(function, stolenArgs);
        Py.DecRef(function);
        return result;
    }

    private static nint Call(nint function, params ReadOnlySpan<nint> stolenArgs)
    {
        nint args = Py.Tuple(stolenArgs);
        nint result = function == 0 ? 0 : Py.CallObject(function, args);
        Py.DecRef(args);
        return result;
    }

    // None and DISABLE are immortal on 3.12+: returning them needs no reference count.

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static CodeInfo* Code(nint code, nint tstate)
    {
        CodeInfo* c = CodeRegistry.Find(code);
        if (c != null) return c;
        nint frame = FrameLayout.CurrentInterpFrame(tstate);
        return CodeRegistry.Define(code, FrameLayout.GlobalsOf(frame));
    }

    [UnmanagedCallersOnly]
    private static nint OnStart(nint self, nint* args, nint nargs)
    {
        try
        {
            return Enter(args, resume: false, s_disable);
        }
        catch (Exception e)
        {
            InternalError.Report(e);
            return Py.None;
        }
    }

    [UnmanagedCallersOnly]
    private static nint OnResume(nint self, nint* args, nint nargs)
    {
        try
        {
            return Enter(args, resume: true, s_disable);
        }
        catch (Exception e)
        {
            InternalError.Report(e);
            return Py.None;
        }
    }

    /// <summary>A generator resumed by throw(); PY_THROW cannot be disabled, so skipped code returns None.</summary>
    [UnmanagedCallersOnly]
    private static nint OnThrow(nint self, nint* args, nint nargs)
    {
        try
        {
            return Enter(args, resume: true, Py.None);
        }
        catch (Exception e)
        {
            InternalError.Report(e);
            return Py.None;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nint Enter(nint* args, bool resume, nint skipResult)
    {
        nint tstate = Py.ThreadStateGet();
        CodeInfo* c = Code(args[0], tstate);
        if (c->Mode == CodeMode.Skip) { Gate.SkippedEntry(c); return skipResult; }
        ThreadInfo* t = ThreadRegistry.Current(tstate);
        if (!FrameGate.InForce)
        {
            if (!Gate.Enter(t, c)) return Py.None;
            ulong ticks = TscClock.Read(); // after the gate: inside @notrace code every nanosecond counts
            if (resume) Tracer.Resume(t, c, ticks);
            else Tracer.Call(t, c, FallbackArgs.Slots(c), ticks);
            return Py.None;
        }
        if (c->Mode == CodeMode.SkipTree) return skipResult; // what it calls finds it on the stack
        nint frame = FrameLayout.CurrentInterpFrame(tstate);
        if (!FrameGate.Enter(t, c, frame)) return Py.None;
        FrameGate.Push(t, frame);
        if (resume) Tracer.Resume(t, c, TscClock.Read());
        else Tracer.Call(t, c, FrameLayout.LocalsPlus(frame), TscClock.Read());
        return Py.None;
    }

    [UnmanagedCallersOnly]
    private static nint OnReturn(nint self, nint* args, nint nargs)
    {
        try
        {
            return End(args, RecordKind.Return, s_disable);
        }
        catch (Exception e)
        {
            InternalError.Report(e);
            return Py.None;
        }
    }

    [UnmanagedCallersOnly]
    private static nint OnYield(nint self, nint* args, nint nargs)
    {
        try
        {
            return End(args, RecordKind.Yield, s_disable);
        }
        catch (Exception e)
        {
            InternalError.Report(e);
            return Py.None;
        }
    }

    [UnmanagedCallersOnly]
    private static nint OnUnwind(nint self, nint* args, nint nargs)
    {
        try
        {
            return End(args, RecordKind.Exception, Py.None);
        }
        catch (Exception e)
        {
            InternalError.Report(e);
            return Py.None;
        }
    }

    // CALL, C_RETURN and C_RAISE: (code, offset, callable, arg0). Never DISABLE: the same call site may call a C function next time.
    [UnmanagedCallersOnly]
    private static nint OnCall(nint self, nint* args, nint nargs)
    {
        try
        {
            nint tstate = Py.ThreadStateGet();
            NativeCalls.Call(ThreadRegistry.Current(tstate), FrameLayout.CurrentInterpFrame(tstate), args[2], TscClock.Read());
        }
        catch (Exception e)
        {
            InternalError.Report(e);
        }
        return Py.None;
    }

    [UnmanagedCallersOnly]
    private static nint OnCReturn(nint self, nint* args, nint nargs) => NativeEnd(args, RecordKind.Return);

    [UnmanagedCallersOnly]
    private static nint OnCRaise(nint self, nint* args, nint nargs) => NativeEnd(args, RecordKind.Exception);

    private static nint NativeEnd(nint* args, RecordKind kind)
    {
        try
        {
            nint tstate = Py.ThreadStateGet();
            NativeCalls.End(ThreadRegistry.Current(tstate), FrameLayout.CurrentInterpFrame(tstate), args[2], kind, TscClock.Read());
        }
        catch (Exception e)
        {
            InternalError.Report(e);
        }
        return Py.None;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nint End(nint* args, RecordKind kind, nint skipResult)
    {
        nint tstate = Py.ThreadStateGet();
        CodeInfo* c = Code(args[0], tstate);
        if (c->Mode == CodeMode.Skip) return skipResult;
        ThreadInfo* t = ThreadRegistry.Current(tstate);
        if (!FrameGate.InForce)
        {
            if (Gate.Leave(t, c)) Tracer.End(t, c, kind, args[2], TscClock.Read());
            return Py.None;
        }
        if (FrameGate.IsRecorded(t, FrameLayout.CurrentInterpFrame(tstate))) Tracer.End(t, c, kind, args[2], TscClock.Read());
        else if (c->Mode == CodeMode.SkipTree) return skipResult;
        return Py.None;
    }
}
