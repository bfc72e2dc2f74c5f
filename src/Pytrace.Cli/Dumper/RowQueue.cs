namespace Pytrace.Cli.Dumper;

/// <summary>
/// Rows decoded since the last commit, in start order, plus rows inserted earlier as unfinished that have ended
/// since. A call that starts and ends between two commits costs one insert; a long one, an insert and an update.
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

    public void Flush(TraceDatabase db)
    {
        foreach (var row in _new) db.Insert(row);
        foreach (var row in _updates)
        {
            db.Update(row);
            row.PendingUpdate = false;
        }
        _new.Clear();
        _updates.Clear();
    }
}
