using System.Runtime.CompilerServices;
using Pytrace.Generator.Interop;
using Pytrace.Generator.Tracing;
using Pytrace.Records;

namespace Pytrace.Generator.Hooks;

/// <summary>
/// 3.10/3.11 (<see cref="TraceSlot.OnDemand"/>): whether a frame may have been called by C code, which may swallow
/// what it raises (hasattr, getattr with a default, list() of an iterator, a sort key), so that the trace slot must
/// see its PyTrace_EXCEPTION. 3.11 knows: an entry frame, other than a generator resumed by a for loop. 3.10 counts
/// a frame as called from Python when its caller is at a call instruction, no built-in that caller called is still
/// running, and it is no special method (C code runs those for list(), hasattr() and the like). It is decided at the
/// frame's start and noted beside its entry in t->Frames, where its return and its callers' returns find it.
/// </summary>
internal static unsafe class FromC
{
    public const int CCallersKept = 16;
    private const int FrameObjectOffset311 = 40, PreviousOffset311 = 48, IsEntryOffset311 = 68; // _PyInterpreterFrame.frame_obj, .previous, .is_entry
    private const int ForIter311 = 93;
    private const int FrameBackOffset310 = 24, CodeBytesOffset310 = 48; // PyFrameObject.f_back, PyCodeObject.co_code
    private const int CallFunction310 = 131, CallFunctionKw310 = 141, CallFunctionEx310 = 142, CallMethod310 = 161;

    private static bool IsEntry311(nint interpFrame) => *(byte*)(interpFrame + IsEntryOffset311) != 0;

    /// <summary>At a frame's start: whether C code may have called it (noted beside the frame's entry in t->Frames).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AtStart(ThreadInfo* t, nint frame, nint slots, CodeInfo* c) =>
        Py.Minor == 11 ? IsEntry311(slots) && !IteratedByPython311(slots, c) : CalledFromC310(t, frame, c);

    /// <summary>Whether the frame of the recorded call ending now came from C.</summary>
    public static bool Ending(ThreadInfo* t) => t->CalledFromC[t->Depth - 1] != 0;

    /// <summary>Whether the frame that runs once <paramref name="frame"/> has returned came from C (unknown: yes).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Caller(ThreadInfo* t, nint frame, nint slots)
    {
        if (Py.Minor != 11) return Recorded(t, *(nint*)(frame + FrameBackOffset310));
        nint previous = *(nint*)(slots + PreviousOffset311);
        return previous != 0 && IsEntry311(previous) && Recorded(t, *(nint*)(previous + FrameObjectOffset311));
    }

    /// <summary>Whether <paramref name="frame"/>, running now, came from C (unknown: yes).</summary>
    public static bool Running(ThreadInfo* t, nint frame) =>
        Py.Minor == 11 ? IsEntry311(FrameLayout.SlotsFrame(frame)) && Recorded(t, frame) : Recorded(t, frame);

    /// <summary>What was noted at the start of FRAME when it is the innermost recorded call; unknown: from C. No frame: C code runs on, where nothing can be seen anyway.</summary>
    private static bool Recorded(ThreadInfo* t, nint frame)
    {
        if (frame == 0) return false;
        return t->Depth == 0 || t->Frames[t->Depth - 1] != frame || t->CalledFromC[t->Depth - 1] != 0;
    }

    /// <summary>
    /// 3.11: a generator resumed by a for loop (its caller is at FOR_ITER) is an entry frame, but what it raises goes
    /// to that loop's frame; on the way only a StopIteration is changed, into RuntimeError (see <see cref="Tracing.GeneratorStop"/>).
    /// </summary>
    private static bool IteratedByPython311(nint slots, CodeInfo* c)
    {
        if ((c->Flags & (ushort)CodeFlags.Generator) == 0) return false;
        nint previous = *(nint*)(slots + PreviousOffset311);
        byte* instruction = previous == 0 ? null : *(byte**)(previous + FrameLayout.PrevInstrOffset);
        return instruction != null && instruction[0] == ForIter311;
    }

    /// <summary>3.10: see the type's remarks. A caller past the instruction array, or EXTENDED_ARG, counts as C.</summary>
    private static bool CalledFromC310(ThreadInfo* t, nint frame, CodeInfo* c)
    {
        nint caller = *(nint*)(frame + FrameBackOffset310);
        if (c->SpecialMethod || caller == 0) return true;
        int open = t->CCallDepth;
        if (open > CCallersKept || (open > 0 && t->CCallers[open - 1] == caller)) return true;
        nint bytes = *(nint*)(FrameLayout.CodeOf(caller) + CodeBytesOffset310);
        long lasti = *(int*)(caller + FrameLayout.LastiOffset);
        if (lasti < 0 || 2 * lasti >= Py.VarSize(bytes)) return true;
        int op = *(byte*)(bytes + 32 + 2 * lasti); // PyBytesObject.ob_sval
        return op is not (CallFunction310 or CallFunctionKw310 or CallFunctionEx310 or CallMethod310);
    }

    /// <summary>3.10: a built-in is called (C_CALL) by <paramref name="frame"/>, or returns to it.</summary>
    public static void NoteBuiltin(nint frame, bool call)
    {
        ThreadInfo* t = ThreadRegistry.Current(Py.ThreadStateGet());
        int open = t->CCallDepth;
        if (call)
        {
            if (open < CCallersKept) t->CCallers[open] = frame;
            t->CCallDepth = open + 1;
        }
        else if (open > CCallersKept || (open > 0 && t->CCallers[open - 1] == frame))
        {
            t->CCallDepth = open - 1;
        }
    }
}
