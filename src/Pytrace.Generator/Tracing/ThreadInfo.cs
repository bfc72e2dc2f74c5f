namespace Pytrace.Generator.Tracing;

/// <summary>Per Python thread state: identity, call depth, and the name once threading knows it.</summary>
internal struct ThreadInfo
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
    /// <summary>Depth inside a @notrace function (0 = recording).</summary>
    public int SkipDepth;
}
