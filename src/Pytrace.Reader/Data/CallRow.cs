namespace Pytrace.Reader.Data;

/// <summary>One row of <c>calls</c> with its thread, function and result resolved; arguments are loaded separately.</summary>
public sealed record CallRow(
    long Id, long? Parent, long Thread, long Pid, long Tid, int Depth, long StartNs, long? EndNs,
    string Module, string Func, string File, int Line, int Kind, int EndKind, string? ResultType, string? Result,
    string? ThreadName = null)
{
    public long? DurationNs => EndNs - StartNs;
    public string QualifiedName => Module + "." + Func;
}
