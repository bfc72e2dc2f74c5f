namespace Pytrace.Reader.Data;

/// <summary>
/// The last call id of each thread. calls has no index on thread, so the next row of a thread that has ended would
/// be looked for to the end of the table on every page showing its last call; each thread's end is instead found
/// once, by a scan back from the newest row, and afterwards only among rows written since.
/// </summary>
public sealed class ThreadEnds(TraceDb db)
{
    private readonly Dictionary<long, (long? LastId, long Covered)> _known = [];

    public long? LastId(long thread)
    {
        var newest = db.ScalarLong("SELECT max(id) FROM calls") ?? long.MinValue;
        var known = _known.GetValueOrDefault(thread, (null, long.MinValue));
        if (known.Covered >= newest)
            return known.LastId;
        var last = db.ScalarLong("SELECT id FROM calls WHERE thread = @p0 AND id > @p1 ORDER BY id DESC LIMIT 1", thread, known.Covered);
        _known[thread] = known = (last ?? known.LastId, newest);
        return known.LastId;
    }
}
