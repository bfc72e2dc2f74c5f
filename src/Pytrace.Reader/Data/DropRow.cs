namespace Pytrace.Reader.Data;

/// <summary>
/// A gap: COUNT records of process PID lost from TIME_NS on, or (HOOKTAKEN) nothing recorded on thread TID from
/// TIME_NS to ENDEDNS because another profiler held the interpreter's hook. ANCHOR is the first call id at or after it.
/// </summary>
public sealed record DropRow(long Pid, long TimeNs, long Count, long Anchor, bool HookTaken = false, long? Tid = null, long? EndedNs = null);
