namespace Pytrace.Cli.Dumper;

/// <summary>One calls row on its way to the database; kept while the call is open so its end can be filled in.</summary>
internal sealed class CallRow
{
    public long Id;              // 0 until inserted
    public CallRow? Parent;
    public int Pid;
    public long Tid;
    public int Depth;
    public long StartNs;
    public long EndNs;           // 0 while unfinished
    public long FunctionId;
    public int Kind;
    public int EndKind;
    public long ResultType;
    public byte[]? Result;
    public ArgValue[] Args = [];
    public bool PendingUpdate;
}

internal readonly record struct ArgValue(long NameId, long TypeId, byte[] Value);
