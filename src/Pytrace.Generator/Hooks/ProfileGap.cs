using Pytrace.Generator.Interop;
using Pytrace.Generator.Tracing;

namespace Pytrace.Generator.Hooks;

/// <summary>
/// 3.8-3.11: the thread's profile hook is one slot, and a program's own profiler (cProfile, profile, sys.setprofile)
/// takes it from us. While it holds it nothing is recorded on that thread; when it lets go (the slot is empty
/// again) ours goes back at once and the window is written as a gap record, so the reader shows it. Calls that
/// were open when the gap began may have ended unseen: at its end the thread's depth is set to the recorded calls
/// whose frames are still on the stack (the dumper leaves the others unfinished), and the @notrace count is
/// rebuilt from the stack too.
/// </summary>
internal static unsafe class ProfileGap
{
    private const int InitialChain = 256;
    private static nint* s_chain;
    private static int s_chainCapacity;

    private static nint ProfileSlot(nint tstate) => *(nint*)(tstate + FrameLayout.ThreadStateProfileFuncOffset);

    /// <summary>At each frame start the trace slot sees: is our profile hook still in place?</summary>
    public static void Check(nint frame)
    {
        nint tstate = Py.ThreadStateGet();
        nint holder = ProfileSlot(tstate);
        if (holder == ProfileHook.Hook || !Tracer.Active) return;
        ThreadInfo* t = ThreadRegistry.Current(tstate);
        if (holder != 0) { Begin(t); return; }
        // Written directly: we are inside the trace call, which recomputes use_tracing from both slots when it returns.
        *(nint*)(tstate + FrameLayout.ThreadStateProfileFuncOffset) = ProfileHook.Hook;
        End(t, Py.FrameBack(frame));
    }

    public static void Begin(ThreadInfo* t)
    {
        if (t->InGap) return;
        if (t->UnseenExit != null) TraceSlot.WriteDeferred(t, 0);
        t->InGap = true;
        t->GapStartTicks = TscClock.Read();
        t->ExceptionFrame = 0;
    }

    /// <summary>Our hook is back; <paramref name="innermost"/> is the innermost frame that can be an open recorded call.</summary>
    public static void End(ThreadInfo* t, nint innermost)
    {
        Resync(t, innermost);
        if (!t->InGap) return;
        t->InGap = false;
        Tracer.Gap(t, t->GapStartTicks, TscClock.Read());
    }

    /// <summary>Process end inside a gap: it lasted to here.</summary>
    public static void Close(ThreadInfo* t)
    {
        if (!t->InGap) return;
        t->InGap = false;
        Tracer.Gap(t, t->GapStartTicks, TscClock.Read());
    }

    private static void Resync(ThreadInfo* t, nint innermost)
    {
        t->ExceptionFrame = 0;
        t->CCallDepth = 0; // built-ins that were running may have returned unseen
        int n = 0;
        for (nint f = innermost; f != 0; f = Py.FrameBack(f))
        {
            if (n == s_chainCapacity) Grow();
            s_chain[n++] = f;
        }
        var chain = new Span<nint>(s_chain, n);
        chain.Sort();
        int live = t->Depth;
        while (live > 0 && chain.BinarySearch(t->Frames[live - 1]) < 0) live--;
        t->Depth = live;
        t->SkipDepth = SkipDepth(innermost, live > 0 ? t->Frames[live - 1] : 0);
    }

    /// <summary>What Gate would count had it seen every start: the frames from the outermost @notrace one inward.</summary>
    private static int SkipDepth(nint innermost, nint recorded)
    {
        int counted = 0, skip = 0;
        for (nint f = innermost; f != 0 && f != recorded; f = Py.FrameBack(f))
        {
            nint slots = FrameLayout.SlotsFrame(f);
            nint code = FrameLayout.CodeOf(slots);
            CodeInfo* c = CodeRegistry.Find(code);
            if (c == null) c = CodeRegistry.Define(code, FrameLayout.GlobalsOf(slots));
            if (c->Mode == CodeMode.Skip) continue;
            counted++;
            if (c->Mode == CodeMode.SkipTree) skip = counted;
        }
        return skip;
    }

    private static void Grow()
    {
        s_chainCapacity = Math.Max(InitialChain, s_chainCapacity * 2);
        s_chain = (nint*)System.Runtime.InteropServices.NativeMemory.Realloc(s_chain, (nuint)(s_chainCapacity * sizeof(nint)));
    }
}
