using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Pytrace.Generator.Interop;
using Pytrace.Generator.Tracing;
using Pytrace.Records;

namespace Pytrace.Generator.Hooks;

/// <summary>
/// 3.8-3.11: the thread's C trace function slot. A profile hook is told that a frame exited by exception but not
/// which one (CPython sets it aside while the hook runs), so the slot gets a hook that notes PyTrace_EXCEPTION, and
/// sees frame starts, which is where <see cref="ProfileGap"/> notices another profiler. It is set directly,
/// not with PyEval_SetTrace, which would switch the interpreter to line-by-line dispatch (3.8/3.9 count trace
/// functions for that; ours is never counted). The program's own tracer takes the slot through
/// <see cref="SysHooks"/>, which first hands back the line events our hook muted, and gives it back on settrace(None).
/// <para>
/// 3.10 and 3.11 check the slot before every instruction while it is held, which costs 70-100 ns a fib call, so
/// there (<see cref="OnDemand"/>) it is held only where an exception could go unseen otherwise: while the running
/// frame may have been called by C code, which may swallow what the frame raises (<see cref="FromC"/>), and from a
/// frame's exit by an exception until its Python caller's PyTrace_EXCEPTION names it (<see cref="Defer"/>). A
/// program's profiler is noticed through the sys.setprofile audit event, which holds the slot until the next frame
/// start.
/// </para>
/// </summary>
internal static unsafe class TraceSlot
{
    private const int GeneratorLike = 0x20 | 0x80 | 0x100 | 0x200; // CO_GENERATOR, CO_COROUTINE, CO_ITERABLE_COROUTINE, CO_ASYNC_GENERATOR

    /// <summary>Whether the profile slot read back as ours at install: the trace slot next to it is then where we think.</summary>
    public static bool Usable;
    /// <summary>3.10/3.11: the slot is held only where it is needed (see the type's remarks).</summary>
    public static bool OnDemand;
    private static bool s_auditing;

    /// <summary>
    /// The function the slot holds, the same for the life of the process: a <see cref="HookStub"/> that answers the
    /// line, return and opcode events (a generator's frame is not muted, and gets one per line) and passes a frame's
    /// start and PyTrace_EXCEPTION on to <see cref="OnTrace"/>.
    /// </summary>
    public static nint Hook
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => s_hook != 0 ? s_hook : MapHook();
    }

    private static nint MapHook() => s_hook = HookStub.Map((nint)(delegate* unmanaged<nint, nint, int, nint, int>)&OnTrace, Py.TraceLine, null);

    private static nint s_hook;
    private static int Offset => FrameLayout.ThreadStateProfileFuncOffset + 8;
    private static int CodeFlagsOffset => Py.Minor == 11 ? 48 : 36; // PyCodeObject.co_flags

    public static nint Holder(nint tstate) => *(nint*)(tstate + Offset);

    private static void Take(nint tstate) => *(nint*)(tstate + Offset) = Hook;

    public static void Install()
    {
        OnDemand = Usable && Py.Minor is 10 or 11;
        if (!OnDemand || s_auditing) return;
        s_auditing = Py.AddAuditHook((delegate* unmanaged<byte*, nint, nint, int>)&OnAudit, 0) == 0;
        if (!s_auditing) Py.ErrClear();
    }

    /// <summary>
    /// The slot is free again (program's tracer gone, or a new thread): ours unless it is held on demand. Inlined: on
    /// 3.10/3.11 a free slot not lent is the usual state, met at every event, and there is nothing to do then.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Claim(nint tstate, ThreadInfo* t)
    {
        if (!Usable || Holder(tstate) != 0 || OnDemand && !t->TraceLent) return;
        t->TraceLent = false;
        if (!OnDemand) Take(tstate);
    }

    public static void Release(nint tstate)
    {
        if (Usable && Holder(tstate) == Hook) *(nint*)(tstate + Offset) = 0;
    }

    /// <summary>Whether the slot is ours to take or to leave: free, or held by us.</summary>
    public static bool Ours(nint tstate)
    {
        nint holder = Holder(tstate);
        return holder == Hook || (OnDemand && holder == 0);
    }

    /// <summary>
    /// <see cref="OnDemand"/>: the slot is held while the running frame may have been called from C. A plain frame
    /// taken up here (<paramref name="muteFrame"/>) has its line events muted.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Follow(nint tstate, bool fromC, nint muteFrame)
    {
        nint* slot = (nint*)(tstate + Offset);
        if (fromC)
        {
            if (*slot != 0) return;
            *slot = Hook;
            if (muteFrame != 0) *(byte*)(muteFrame + FrameLayout.FrameTraceLinesOffset) = 0;
        }
        else if (*slot == Hook) *slot = 0;
    }

    /// <summary>
    /// <see cref="OnDemand"/>: a frame called from Python code left by an exception that was not seen. Its caller's
    /// PyTrace_EXCEPTION comes next (the exception has no C code to pass through) and names it; the slot is held
    /// until then and the end is written there, with the time of the exit.
    /// </summary>
    public static bool Defer(nint tstate, ThreadInfo* t, CodeInfo* c, ulong ticks)
    {
        if (!OnDemand || FromC.Ending(t) || !Ours(tstate)) return false;
        Take(tstate);
        t->UnseenExit = c;
        t->UnseenExitTicks = ticks;
        return true;
    }

    /// <summary>Writes the deferred end with the exception now known; 0 if another event came first (not expected).</summary>
    public static void WriteDeferred(ThreadInfo* t, nint exception)
    {
        CodeInfo* c = t->UnseenExit;
        t->UnseenExit = null;
        Tracer.End(t, c, RecordKind.Exception, exception, t->UnseenExitTicks);
    }

    /// <summary>
    /// The program's tracer takes the slot: the frames on the stack get line events again (we muted them at their
    /// start). Frames not on the stack were either finished or are generators, which are never muted.
    /// </summary>
    public static void Lend(ThreadInfo* t, nint frame)
    {
        t->TraceLent = true;
        for (nint f = frame; f != 0; f = Py.FrameBack(f)) *(byte*)(f + FrameLayout.FrameTraceLinesOffset) = 1;
    }

    /// <summary>Notes the exception leaving each frame; mutes line events of plain frames (3.10/3.11 would send them).</summary>
    [UnmanagedCallersOnly]
    private static int OnTrace(nint self, nint frame, int what, nint arg)
    {
        try
        {
            if (what == Py.TraceCall)
            {
                nint code = FrameLayout.CodeOf(FrameLayout.SlotsFrame(frame));
                if ((*(int*)(code + CodeFlagsOffset) & GeneratorLike) == 0) *(byte*)(frame + FrameLayout.FrameTraceLinesOffset) = 0;
                ProfileGap.Check(frame);
                return 0;
            }
            if (what != Py.TraceException || !Tracer.Active || arg == 0 || Py.TypeOf(arg) != Py.TupleType || Py.VarSize(arg) < 2) return 0;
            nint tstate = Py.ThreadStateGet();
            ThreadInfo* t = ThreadRegistry.Current(tstate);
            nint exception = ((nint*)(arg + 24))[1];
            if (t->UnseenExit != null) WriteDeferred(t, exception);
            t->ExceptionFrame = frame;
            t->ExceptionValue = exception;
            if (OnDemand && !t->InGap) Follow(tstate, FromC.Running(t, frame), 0);
        }
        catch (Exception e)
        {
            InternalError.Report(e);
        }
        return 0;
    }

    private static bool IsSetProfile(byte* name)
    {
        ReadOnlySpan<byte> expected = "sys.setprofile\0"u8;
        for (int i = 0; i < expected.Length; i++) if (name[i] != expected[i]) return false; // stops at a shorter name's end
        return true;
    }

    /// <summary>sys.setprofile, from Python or C (cProfile): hold the slot, so the next frame start sees who has the profile slot.</summary>
    [UnmanagedCallersOnly]
    private static int OnAudit(byte* eventName, nint args, nint userData)
    {
        try
        {
            if (!Tracer.Active || !IsSetProfile(eventName)) return 0;
            nint tstate = Py.ThreadStateGet();
            if (Holder(tstate) == 0) Take(tstate);
        }
        catch (Exception e)
        {
            InternalError.Report(e);
        }
        return 0;
    }
}
