using System.Runtime.CompilerServices;
using Pytrace.Generator.Interop;
using Pytrace.Generator.Tracing;

namespace Pytrace.Generator.Hooks;

/// <summary>
/// Decides whether a frame entry/exit is recorded: not before the program's __main__ module starts (the
/// interpreter's own start-up, pytrace's bootstrap), and not inside a @notrace function.
/// </summary>
internal static unsafe class Gate
{
    /// <summary>Set for a launched program until its __main__ module body starts.</summary>
    public static bool WaitingForMain;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Enter(ThreadInfo* t, CodeInfo* c)
    {
        if (t->SkipDepth == 0 && c->Mode == CodeMode.Trace && !WaitingForMain) return true;
        if (WaitingForMain)
        {
            if (!c->IsMainModule) return false;
            WaitingForMain = false;
            return c->Mode == CodeMode.Trace;
        }
        if (t->SkipDepth > 0 || c->Mode == CodeMode.SkipTree) t->SkipDepth++;
        return false;
    }

    /// <summary>Whether something happening now on this thread (a log entry) is on record.</summary>
    public static bool Recording(ThreadInfo* t, nint tstate)
    {
        if (WaitingForMain) return false;
        if (FrameGate.InForce) return !FrameGate.InsideSkipTree(t, FrameLayout.CurrentInterpFrame(tstate));
        return t->SkipDepth == 0;
    }

    /// <summary>An entry into code that is never recorded still ends the wait for __main__ (it may be filtered out).</summary>
    public static void SkippedEntry(CodeInfo* c)
    {
        if (WaitingForMain && c->IsMainModule) WaitingForMain = false;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Leave(ThreadInfo* t, CodeInfo* c)
    {
        if (t->SkipDepth == 0 && c->Mode == CodeMode.Trace && !WaitingForMain) return true;
        if (t->SkipDepth > 0) t->SkipDepth--;
        return false;
    }
}
