using System.Runtime.InteropServices;
using Pytrace.Generator.Interop;
using Pytrace.Generator.Tracing;

namespace Pytrace.Generator.Hooks;

/// <summary>
/// 3.8-3.11: the thread's C trace function slot. A profile hook is told that a frame exited by exception but not
/// which one (CPython sets it aside while the hook runs), so the slot gets a hook that notes PyTrace_EXCEPTION, and
/// sees every frame start first, which is where <see cref="ProfileGap"/> notices another profiler. It is set directly,
/// not with PyEval_SetTrace, which would switch the interpreter to line-by-line dispatch (3.8/3.9 count trace
/// functions for that; ours is never counted). The program's own tracer takes the slot through
/// <see cref="SysHooks"/>, which first hands back the line events our hook muted, and gives it back on settrace(None).
/// </summary>
internal static unsafe class TraceSlot
{
    private const int GeneratorLike = 0x20 | 0x80 | 0x100 | 0x200; // CO_GENERATOR, CO_COROUTINE, CO_ITERABLE_COROUTINE, CO_ASYNC_GENERATOR

    /// <summary>Whether the profile slot read back as ours at install: the trace slot next to it is then where we think.</summary>
    public static bool Usable;

    public static nint Hook => (nint)(delegate* unmanaged<nint, nint, int, nint, int>)&OnTrace;
    private static int Offset => FrameLayout.ThreadStateProfileFuncOffset + 8;
    private static int CodeFlagsOffset => Py.Minor == 11 ? 48 : 36; // PyCodeObject.co_flags

    public static nint Holder(nint tstate) => *(nint*)(tstate + Offset);

    public static void Claim(nint tstate, ThreadInfo* t)
    {
        if (!Usable || Holder(tstate) != 0) return;
        *(nint*)(tstate + Offset) = Hook;
        t->TraceLent = false;
    }

    public static void Release(nint tstate)
    {
        if (Usable && Holder(tstate) == Hook) *(nint*)(tstate + Offset) = 0;
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
            ThreadInfo* t = ThreadRegistry.Current(Py.ThreadStateGet());
            t->ExceptionFrame = frame;
            t->ExceptionValue = ((nint*)(arg + 24))[1];
        }
        catch (Exception e)
        {
            InternalError.Report(e);
        }
        return 0;
    }
}
