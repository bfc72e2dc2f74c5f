using Pytrace.Generator.Hooks;

namespace Pytrace.Generator.Tracing;

/// <summary>Per Python thread state: identity, call depth, and the name once threading knows it.</summary>
internal unsafe struct ThreadInfo
{
    public long UniqueId;        // PyThreadState id: tells a reused thread-state address from its predecessor
    public long NativeTid;
    public nuint Ident;          // threading.get_ident()
    public int Depth;
    public uint AnnouncedEpoch;  // ring generation that has this thread's Thread record
    public bool NameKnown;
    public byte NameTries;
    /// <summary>3.8-3.11: the frame and exception of the last PyTrace_EXCEPTION (borrowed; the exception is in flight).</summary>
    public nint ExceptionFrame, ExceptionValue;
    /// <summary>3.10/3.11: a call left by an exception not yet known, and when (see TraceSlot.Defer).</summary>
    public CodeInfo* UnseenExit;
    public ulong UnseenExitTicks;
    /// <summary>3.10: per entry of <see cref="Frames"/>, whether that call may have come from C code (see TraceSlot).</summary>
    public byte* CalledFromC;
    /// <summary>3.10: the frames that called a built-in still running, innermost last (only the first 16 are kept).</summary>
    public int CCallDepth;
    public fixed long CCallers[FromC.CCallersKept];
    /// <summary>Depth inside a @notrace function (0 = recording); 3.8-3.11, and 3.12+ without checked frame offsets.</summary>
    public int SkipDepth;
    /// <summary>The frame of each recorded call that is open, innermost at Depth - 1 (see FrameGate; 3.8-3.11: ProfileGap).</summary>
    public nint* Frames;
    public int FrameCapacity;
    /// <summary>3.8-3.11: the program's own tracer holds the thread's trace slot (our line muting is undone).</summary>
    public bool TraceLent;
    /// <summary>3.8-3.11: another profiler holds the thread's profile hook since <see cref="GapStartTicks"/>.</summary>
    public bool InGap;
    public ulong GapStartTicks;
    /// <summary>3.11: below this stack address a frame is refused with RecursionError (see EvalFrameHook); 0: unknown.</summary>
    public nuint StackFloor;
}
