namespace Pytrace.Reader.Data;

/// <summary>Cheap facts about a database, read at open: which columns to show and where time starts.</summary>
public sealed record TraceSummary(int Processes, int Threads, long? FirstStartNs, long? MaxId, long Dropped)
{
    public bool ShowPid => Processes > 1;
    public bool ShowTid => Threads > 1;

    public static TraceSummary Load(TraceDb db)
    {
        var processes = db.ScalarLong("SELECT count(DISTINCT pid) FROM threads") ?? 0;
        var threads = db.ScalarLong("SELECT count(*) FROM threads") ?? 0;
        if (threads == 0)
        {
            // A live run may not have written its threads yet; the first calls tell well enough.
            processes = db.ScalarLong("SELECT count(DISTINCT pid) FROM (SELECT pid FROM calls ORDER BY id LIMIT 10000)") ?? 0;
            threads = db.ScalarLong("SELECT count(*) FROM (SELECT DISTINCT pid, tid FROM (SELECT pid, tid FROM calls ORDER BY id LIMIT 10000))") ?? 0;
        }
        return new TraceSummary((int)processes, (int)threads,
            db.ScalarLong("SELECT start_ns FROM calls ORDER BY id LIMIT 1"),
            db.ScalarLong("SELECT max(id) FROM calls"),
            db.ScalarLong("SELECT coalesce(sum(count), 0) FROM drops") ?? 0);
    }
}
