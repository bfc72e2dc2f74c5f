using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Pytrace.Generator.Interop;
using Pytrace.Generator.Tracing;

namespace Pytrace.Generator.Hooks;

/// <summary>
/// 3.12+ (checked frame layout): decides by the thread's frames, not by counting events, what is recorded. A call is
/// inside a @notrace function when a frame between it and the innermost recorded call runs @notrace code, and a
/// frame's end is recorded when it is the innermost recorded call. A @notrace function's own start and return events
/// are then not needed and are disabled: what it calls pays one event each way and, usually, one frame of walking.
/// </summary>
internal static unsafe class FrameGate
{
    private const int InitialFrames = 64;

    /// <summary>In force on 3.12+ when the frame offsets passed their check; otherwise <see cref="Gate"/> counts events.</summary>
    public static bool InForce
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Py.Minor >= 12 && FrameLayout.Verified;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Enter(ThreadInfo* t, CodeInfo* c, nint frame)
    {
        if (Gate.WaitingForMain)
        {
            if (!c->IsMainModule) return false;
            Gate.WaitingForMain = false;
        }
        return !InsideSkipTree(t, frame);
    }

    /// <summary>Notes <paramref name="frame"/> as the one the next recorded call (or resume) runs in.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Push(ThreadInfo* t, nint frame)
    {
        if (t->Depth >= t->FrameCapacity) Grow(t);
        t->Frames[t->Depth] = frame;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsRecorded(ThreadInfo* t, nint frame) => t->Depth > 0 && t->Frames[t->Depth - 1] == frame;

    /// <summary>Whether a frame between <paramref name="frame"/> and the innermost recorded call runs @notrace code.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool InsideSkipTree(ThreadInfo* t, nint frame) => CodeRegistry.AnySkipTree && WalkFindsSkipTree(t, frame);

    private static bool WalkFindsSkipTree(ThreadInfo* t, nint frame)
    {
        nint top = t->Depth > 0 ? t->Frames[t->Depth - 1] : 0;
        for (nint f = FrameLayout.PreviousOf(frame); f != 0 && f != top; f = FrameLayout.PreviousOf(f))
        {
            nint code = FrameLayout.CodeOf(f);
            CodeInfo* known = CodeRegistry.Find(code);
            if (known != null ? known->Mode == CodeMode.SkipTree : CodeRegistry.NoTrace.Find(code) != null) return true;
        }
        return false;
    }

    private static void Grow(ThreadInfo* t)
    {
        int capacity = Math.Max(InitialFrames, t->FrameCapacity * 2);
        while (capacity <= t->Depth) capacity *= 2;
        t->Frames = (nint*)NativeMemory.Realloc(t->Frames, (nuint)(capacity * sizeof(nint)));
        t->CalledFromC = (byte*)NativeMemory.Realloc(t->CalledFromC, (nuint)capacity);
        t->FrameCapacity = capacity;
    }
}
