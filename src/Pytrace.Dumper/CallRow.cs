namespace Pytrace.Dumper;

/// <summary>One calls row on its way to the database; kept while the call is open so its end can be filled in.</summary>
internal sealed class CallRow
{
    public long Id;              // 0 until inserted
    public CallRow? Parent;
    public long Thread;          // threads.id
    public int Depth;
    public long StartNs;
    public long EndNs;
    public long FunctionId;
    public int Kind;
    public int EndKind;          // Schema.EndKind.Unfinished while open
    public long Result;          // vals.id, 0 for none
    public long[] Args = [];     // vals.id per argument
    public bool PendingUpdate;
}
