namespace Pytrace.Reader.Data;

/// <summary>
/// Cheap facts about a database, read at open and after each commit: which columns to show, where time starts and
/// whether the newest run is still going. Running is null without a runs row; ExitCode is null until the run ends,
/// and after it when the program had none.
/// </summary>
public sealed record TraceSummary(int Processes, int Threads, long? FirstStartNs, long? MaxId, long Dropped, bool? Running, long? ExitCode)
{
    public bool ShowPid => Processes > 1;
    public bool ShowTid => Threads > 1;

    public static TraceSummary Load(TraceDb db) => new(
        (int)(db.ScalarLong("SELECT count(DISTINCT pid) FROM threads") ?? 0),
        (int)(db.ScalarLong("SELECT count(*) FROM threads") ?? 0),
        db.ScalarLong("SELECT start FROM calls ORDER BY id LIMIT 1") is { } start ? db.EpochNs + start : (long?)null,
        db.ScalarLong("SELECT max(id) FROM calls"),
        db.ScalarLong("SELECT coalesce(sum(count), 0) FROM drops") ?? 0,
        // The dumper writes ended_ns and exit_code in one UPDATE, so reading them one after the other is safe.
        db.ScalarLong("SELECT ended_ns IS NULL FROM runs ORDER BY id DESC LIMIT 1") is { } running ? running == 1 : null,
        db.ScalarLong("SELECT exit_code FROM runs ORDER BY id DESC LIMIT 1"));
}
