using System.Runtime.CompilerServices;
using Pytrace.Generator.Tracing;

namespace Pytrace.Generator.Hooks;

/// <summary>
/// Decides whether a frame entry/exit is recorded: not while the frames that were running when tracing started
/// unwind (pytrace's own bootstrap), and not inside a @notrace function.
/// </summary>
internal static unsafe class Gate
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Enter(ThreadInfo* t, CodeInfo* c)
    {
        if ((t->PendingReturns | t->SkipDepth) == 0 && c->Mode == CodeMode.Trace) return true;
        if (t->PendingReturns > 0) t->ShadowDepth++;
        else if (t->SkipDepth > 0 || c->Mode == CodeMode.SkipTree) t->SkipDepth++;
        return false;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Leave(ThreadInfo* t, CodeInfo* c)
    {
        if ((t->PendingReturns | t->SkipDepth) == 0 && c->Mode == CodeMode.Trace) return true;
        if (t->PendingReturns > 0)
        {
            if (t->ShadowDepth > 0) t->ShadowDepth--;
            else t->PendingReturns--;
        }
        else if (t->SkipDepth > 0) t->SkipDepth--;
        return false;
    }
}
