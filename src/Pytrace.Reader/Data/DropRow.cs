namespace Pytrace.Reader.Data;

/// <summary>A gap: COUNT records of process PID lost from TIME_NS on. ANCHOR is the first call id at or after it.</summary>
public sealed record DropRow(long Pid, long TimeNs, long Count, long Anchor);
