using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Pytrace.Generator.Interop;
using Pytrace.Generator.Tracing;
using Pytrace.Records;

namespace Pytrace.Generator.Hooks;

/// <summary>
/// 3.8-3.11: the C-level profile hook (PyEval_SetProfile), per thread; new threads get it from
/// <see cref="ThreadStart"/>. The thread's trace slot gets <see cref="TraceSlot"/>'s hook, and the program's own
/// sys.setprofile/sys.settrace go through <see cref="SysHooks"/>, so that the program sees the hooks as it would
/// untraced and recording goes on around its own profiler (<see cref="ProfileGap"/>).
/// </summary>
internal static unsafe class ProfileHook
{
    private const int CCall = 4, CException = 5;

    /// <summary>
    /// The function installed as the profile hook, the same for the life of the process: a <see cref="HookStub"/>
    /// that answers the C-function events (a built-in called, returning, raising) unless they are wanted, and passes
    /// the rest on to <see cref="OnEvent"/>. A function that calls len() twice has four of them.
    /// </summary>
    public static nint Hook => s_hook != 0 ? s_hook : s_hook = MapStub();

    /// <summary>Nonzero: the stub passes C-function events on (--c-calls, or 3.10's note of running built-ins).</summary>
    private static byte* s_cEvents;
    private static nint s_hook;

    private static nint MapStub()
    {
        s_cEvents = (byte*)NativeMemory.AllocZeroed(1);
        *s_cEvents = 1;
        return HookStub.Map((nint)(delegate* unmanaged<nint, nint, int, nint, int>)&OnEvent, CCall, s_cEvents);
    }

    public static bool Install()
    {
        nint tstate = Py.ThreadStateGet();
        nint hook = Hook;
        *s_cEvents = 1;
        Py.EvalSetProfile((delegate* unmanaged<nint, nint, int, nint, int>)hook, 0);
        TraceSlot.Usable = *(nint*)(tstate + FrameLayout.ThreadStateProfileFuncOffset) == hook;
        TraceSlot.Install();
        *s_cEvents = NativeCalls.Enabled || (TraceSlot.OnDemand && Py.Minor == 10) ? (byte)1 : (byte)0;
        InstallInThread(tstate);
        SysHooks.Install();
        ThreadStart.Install();
        return true;
    }

    /// <summary>Both slots of a new thread: PyEval_SetProfile, which also switches the thread's event dispatch on.</summary>
    public static void InstallInThread(nint tstate)
    {
        if (*(nint*)(tstate + FrameLayout.ThreadStateProfileFuncOffset) == 0) Py.EvalSetProfile((delegate* unmanaged<nint, nint, int, nint, int>)Hook, 0);
        TraceSlot.Claim(tstate, ThreadRegistry.Current(tstate));
    }

    public static void Uninstall()
    {
        ThreadStart.Uninstall();
        SysHooks.Uninstall();
        nint tstate = Py.ThreadStateGet();
        TraceSlot.Release(tstate);
        if (*(nint*)(tstate + FrameLayout.ThreadStateProfileFuncOffset) == Hook) Py.EvalSetProfile(null, 0);
    }

    [UnmanagedCallersOnly]
    private static int OnEvent(nint self, nint frame, int what, nint arg)
    {
        if (!Tracer.Active) return 0;
        try
        {
            if (what < CCall) Handle(frame, what, arg);
            else
            {
                if (TraceSlot.OnDemand && Py.Minor == 10) FromC.NoteBuiltin(frame, what == CCall);
                if (NativeCalls.Enabled) Native(frame, what, arg);
            }
        }
        catch (Exception e)
        {
            InternalError.Report(e);
        }
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
        nint tstate = Py.ThreadStateGet();
        ThreadInfo* t = ThreadRegistry.Current(tstate);
        if (t->UnseenExit != null) TraceSlot.WriteDeferred(t, 0);
        nint tracer = TraceSlot.Holder(tstate);
        if (tracer != TraceSlot.Hook) Lent(t, tstate, tracer, frame);
        bool generator = (c->Flags & (ushort)(CodeFlags.Generator | CodeFlags.Coroutine | CodeFlags.AsyncGenerator)) != 0;
        if (what == Py.TraceCall)
        {
            bool fromC = TraceSlot.OnDemand && FromC.AtStart(t, frame, slots, c);
            if (TraceSlot.OnDemand && !t->TraceLent) TraceSlot.Follow(tstate, fromC, generator ? 0 : frame);
            if (!Gate.Enter(t, c)) return;
            FrameGate.Push(t, frame);
            t->CalledFromC[t->Depth] = fromC ? (byte)1 : (byte)0;
            if (generator && IsResume(slots)) Tracer.Resume(t, c, ticks);
            else Tracer.Call(t, c, FrameLayout.Verified ? FrameLayout.LocalsPlus(slots) : FallbackArgs.Slots(c), ticks);
        }
        else if (what == Py.TraceReturn)
        {
            if (arg != 0 && t->ExceptionFrame == frame) t->ExceptionFrame = 0; // caught inside: nothing in flight
            bool deferred = Gate.Leave(t, c) && End(tstate, t, c, frame, slots, arg, generator, ticks);
            if (TraceSlot.OnDemand && !deferred && !t->TraceLent) TraceSlot.Follow(tstate, FromC.Caller(t, frame, slots), 0);
        }
    }

    /// <summary>The recorded call of <paramref name="frame"/> ends; true when its end waits for the exception's name.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool End(nint tstate, ThreadInfo* t, CodeInfo* c, nint frame, nint slots, nint arg, bool generator, ulong ticks)
    {
        if (t->Depth == 0 || t->Frames[t->Depth - 1] != frame) return false; // started unseen (before recording, in a gap)
        if (arg == 0) return Exception(tstate, t, c, frame, ticks);
        Tracer.End(t, c, generator && IsYield(slots) ? RecordKind.Yield : RecordKind.Return, arg, ticks);
        return false;
    }

    /// <summary>--c-calls: FRAME calls, or has had return or raise, the C function ARG.</summary>
    private static void Native(nint frame, int what, nint arg)
    {
        ulong ticks = TscClock.Read();
        ThreadInfo* t = ThreadRegistry.Current(Py.ThreadStateGet());
        if (t->SkipDepth > 0) return;
        if (what == CCall) NativeCalls.Call(t, frame, arg, ticks);
        else NativeCalls.End(t, frame, arg, what == CException ? RecordKind.Exception : RecordKind.Return, ticks);
    }

    /// <summary>
    /// The trace slot is not ours: the program's tracer took it without sys.settrace (a C extension), or gave it
    /// back. Either way the program's tracer must get the line events our hook muted.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Lent(ThreadInfo* t, nint tstate, nint tracer, nint frame)
    {
        if (tracer == 0) TraceSlot.Claim(tstate, t);
        else if (!t->TraceLent) TraceSlot.Lend(t, frame);
    }

    /// <summary>
    /// A return with no value is an exception leaving the frame: the one our trace hook saw, or one its caller's
    /// will name (true: the end is deferred), or the one currently set.
    /// </summary>
    private static bool Exception(nint tstate, ThreadInfo* t, CodeInfo* c, nint frame, ulong ticks)
    {
        if (t->ExceptionFrame == frame && t->ExceptionValue != 0)
        {
            t->ExceptionFrame = 0;
            Tracer.End(t, c, RecordKind.Exception, t->ExceptionValue, ticks);
            return false;
        }
        if (!t->TraceLent && TraceSlot.Defer(tstate, t, c, ticks)) return true;
        SetException.End(t, c, ticks);
        return false;
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
        _ => FrameLayout.LastOpcode311(slots) == FrameLayout.YieldValue311,
    };

    /// <summary>
    /// 3.11 reports a generator's first entry while executing RESUME 0 (RESUME_QUICK once quickened). Any other
    /// instruction is a resumption: RESUME 1-3 after send() or next(), or the YIELD_VALUE/SEND it was suspended at
    /// when throw() or close() resumes it with an exception.
    /// </summary>
    private static bool IsResumeAfterSuspension311(nint slots)
    {
        byte* instruction = *(byte**)(slots + FrameLayout.PrevInstrOffset);
        if (instruction == null) return false;
        bool resume = instruction[0] == FrameLayout.Resume311 || instruction[0] == FrameLayout.ResumeQuick311;
        return !resume || instruction[1] != 0;
    }
}
