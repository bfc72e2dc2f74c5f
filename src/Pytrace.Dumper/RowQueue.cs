using Pytrace.Storage;

namespace Pytrace.Dumper;

/// <summary>
/// Rows decoded since the last commit, in start order, plus rows inserted earlier as unfinished that have ended
/// since. A call that starts and ends between two commits costs one insert; one open across a commit (only the
/// stacks at that moment), an insert and an update.
/// </summary>
internal sealed class RowQueue
{
    private readonly List<CallRow> _new = [];
    private readonly List<CallRow> _updates = [];

    public int Count => _new.Count + _updates.Count;

    public void Add(CallRow row) => _new.Add(row);

    public void Ended(CallRow row)
    {
        if (row.Id == 0 || row.PendingUpdate) return;
        row.PendingUpdate = true;
        _updates.Add(row);
    }

    public void Flush(TraceWriter db)
    {
        foreach (var row in _new)
        {
            bool ended = row.EndKind != Schema.EndKind.Unfinished;
            var values = new CallValues
            {
                Parent = row.Parent?.Id ?? 0, Thread = row.Thread, Depth = row.Depth, StartNs = row.StartNs,
                Duration = ended ? row.EndNs - row.StartNs : -1, Function = row.FunctionId, Kind = row.Kind,
                EndKind = row.EndKind, Result = ended ? row.Result : 0,
            };
            row.Id = db.Insert(ref values, row.Args);
        }
        foreach (var row in _updates)
        {
            db.End(row.Id, row.EndNs - row.StartNs, row.EndKind, row.Result);
            row.PendingUpdate = false;
        }
        _new.Clear();
        _updates.Clear();
    }
}
