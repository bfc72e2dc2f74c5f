using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Pytrace.Generator.Interop;
using Pytrace.Generator.Tracing;
using Pytrace.Records;

namespace Pytrace.Generator.Hooks;

/// <summary>
/// 3.8-3.11: the C-level profile hook (PyEval_SetProfile), per thread. New threads get it through
/// threading.setprofile with a C bootstrap function that swaps itself for the hook on its first event.
/// A profile hook is told that a frame exited by exception but not which one (CPython sets it aside while the
/// hook runs), so the thread's C trace function slot also gets a hook that only notes PyTrace_EXCEPTION. It is
/// set directly, not with PyEval_SetTrace, which would switch the interpreter to line-by-line dispatch; a
/// debugger or coverage tool that sets its own trace function simply takes the slot back.
/// </summary>
internal static unsafe class ProfileHook
{
    private const int CCall = 4;
    private static nint s_bootstrap;

    private const int TraceException = 1;
    private static bool s_exceptionSlotOk;

    public static bool Install()
    {
        HookNewThreads(); // first: threading.setprofile is Python code, not the program's
        Py.EvalSetProfile(&OnEvent, 0);
        nint tstate = Py.ThreadStateGet();
        s_exceptionSlotOk = *(nint*)(tstate + FrameLayout.ThreadStateProfileFuncOffset) == (nint)(delegate* unmanaged<nint, nint, int, nint, int>)&OnEvent;
        ClaimTraceSlot(tstate);
        return true;
    }

    private static void HookNewThreads()
    {
        nint threading = Py.Import("threading");
        if (threading == 0) { Py.ErrClear(); return; }
        if (s_bootstrap == 0) s_bootstrap = Py.CFunctionNew(Py.MethodDef("_pytrace_thread_bootstrap", (delegate* unmanaged<nint, nint, nint>)&Bootstrap, Py.MethVarArgs), 0, 0);
        nint setprofile = Py.GetAttr(threading, "setprofile"u8);
        if (setprofile != 0)
        {
            nint args = Py.Tuple(s_bootstrap);
            Py.IncRef(s_bootstrap);
            nint r = Py.CallObject(setprofile, args);
            if (r == 0) Py.ErrClear(); else Py.DecRef(r);
            Py.DecRef(args);
            Py.DecRef(setprofile);
        }
        Py.DecRef(threading);
    }

    public static void Uninstall()
    {
        nint tstate = Py.ThreadStateGet();
        if (s_exceptionSlotOk && *(nint*)(tstate + TraceSlot) == (nint)(delegate* unmanaged<nint, nint, int, nint, int>)&OnTrace)
            *(nint*)(tstate + TraceSlot) = 0;
        Py.EvalSetProfile(null, 0);
        nint threading = Py.Import("threading");
        if (threading == 0) { Py.ErrClear(); return; }
        nint setprofile = Py.GetAttr(threading, "setprofile"u8);
        if (setprofile != 0)
        {
            nint r = Py.CallObject(setprofile, Py.Tuple(Py.NewNone()));
            if (r == 0) Py.ErrClear(); else Py.DecRef(r);
            Py.DecRef(setprofile);
        }
        Py.DecRef(threading);
    }

    /// <summary>Called as a Python-level profile function (frame, event, arg) in a new thread: installs the C hook.</summary>
    [UnmanagedCallersOnly]
    private static nint Bootstrap(nint self, nint args)
    {
        Py.EvalSetProfile(&OnEvent, 0);
        ClaimTraceSlot(Py.ThreadStateGet());
        if (Tracer.Active && Py.VarSize(args) >= 1)
        {
            nint frame = ((nint*)(args + 24))[0];
            Handle(frame, Py.TraceCall, 0);
        }
        return Py.NewNone();
    }

    private static int TraceSlot => FrameLayout.ThreadStateProfileFuncOffset + 8;

    private static void ClaimTraceSlot(nint tstate)
    {
        if (s_exceptionSlotOk && *(nint*)(tstate + TraceSlot) == 0)
            *(nint*)(tstate + TraceSlot) = (nint)(delegate* unmanaged<nint, nint, int, nint, int>)&OnTrace;
    }

    /// <summary>Notes the exception leaving each frame; mutes line events for the frame (3.11 would send them).</summary>
    [UnmanagedCallersOnly]
    private static int OnTrace(nint self, nint frame, int what, nint arg)
    {
        if (what == Py.TraceCall) { *(byte*)(frame + FrameLayout.FrameTraceLinesOffset) = 0; return 0; }
        if (what != TraceException || !Tracer.Active || arg == 0 || Py.TypeOf(arg) != Py.TupleType || Py.VarSize(arg) < 2) return 0;
        ThreadInfo* t = ThreadRegistry.Current(Py.ThreadStateGet());
        t->ExceptionFrame = frame;
        t->ExceptionValue = ((nint*)(arg + 24))[1];
        return 0;
    }

    [UnmanagedCallersOnly]
    private static int OnEvent(nint self, nint frame, int what, nint arg)
    {
        if (what >= CCall || !Tracer.Active) return 0;
        Handle(frame, what, arg);
        return 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Handle(nint frame, int what, nint arg)
    {
        ulong ticks = TscClock.Read();
        nint slots = FrameLayout.SlotsFrame(frame);
        nint code = FrameLayout.CodeOf(slots);
        CodeInfo* c = CodeRegistry.Find(code);
        if (c == null) c = CodeRegistry.Define(code, FrameLayout.GlobalsOf(slots));
        if (c->Mode == CodeMode.Skip)
        {
            if (what == Py.TraceCall) Gate.SkippedEntry(c);
            return;
        }
        ThreadInfo* t = ThreadRegistry.Current(Py.ThreadStateGet());
        bool generator = (c->Flags & (ushort)(CodeFlags.Generator | CodeFlags.Coroutine | CodeFlags.AsyncGenerator)) != 0;
        if (what == Py.TraceCall)
        {
            if (!Gate.Enter(t, c)) return;
            if (generator && IsResume(slots)) Tracer.Resume(t, c, ticks);
            else Tracer.Call(t, c, FrameLayout.Verified ? FrameLayout.LocalsPlus(slots) : FallbackArgs.Slots(c), ticks);
        }
        else if (what == Py.TraceReturn)
        {
            if (arg != 0 && t->ExceptionFrame == frame) t->ExceptionFrame = 0; // caught inside: nothing in flight
            if (!Gate.Leave(t, c)) return;
            if (arg == 0) Exception(t, c, frame, ticks);
            else Tracer.End(t, c, generator && IsYield(slots) ? RecordKind.Yield : RecordKind.Return, arg, ticks);
        }
    }

    /// <summary>A return with no value is an exception leaving the frame: it is the one currently set.</summary>
    private static void Exception(ThreadInfo* t, CodeInfo* c, nint frame, ulong ticks)
    {
        if (t->ExceptionFrame == frame && t->ExceptionValue != 0)
        {
            t->ExceptionFrame = 0;
            Tracer.End(t, c, RecordKind.Exception, t->ExceptionValue, ticks);
            return;
        }
        nint type, value, traceback;
        Py.ErrFetch(&type, &value, &traceback);
        // 3.8-3.11 keep C-raised errors unnormalized (a message, or nothing); normalizing builds the instance.
        if (type != 0 && (value == 0 || !Py.IsSubtype(Py.TypeOf(value), Py.BaseExceptionType)))
            Py.ErrNormalize(&type, &value, &traceback);
        Tracer.End(t, c, RecordKind.Exception, value, ticks);
        Py.ErrRestore(type, value, traceback);
    }

    private static bool IsResume(nint slots) => Py.Minor switch
    {
        11 => IsResumeAfterSuspension311(slots),
        _ => *(int*)(slots + FrameLayout.LastiOffset) != -1,
    };

    private static bool IsYield(nint slots) => Py.Minor switch
    {
        8 or 9 => *(nint*)(slots + FrameLayout.StackTopOffset) != 0,
        10 => *(sbyte*)(slots + FrameLayout.StateOffset) == FrameLayout.FrameSuspended310,
        _ => Opcode311(slots) == FrameLayout.YieldValue311,
    };

    /// <summary>3.11 reports the call while executing RESUME, whose argument is 0 at function start, 1-3 after a suspension.</summary>
    private static bool IsResumeAfterSuspension311(nint slots)
    {
        byte* instruction = *(byte**)(slots + FrameLayout.PrevInstrOffset);
        return instruction != null && instruction[0] == FrameLayout.Resume311 && instruction[1] != 0;
    }

    private static int Opcode311(nint slots)
    {
        byte* instruction = *(byte**)(slots + FrameLayout.PrevInstrOffset);
        return instruction == null ? -1 : instruction[0];
    }
}
