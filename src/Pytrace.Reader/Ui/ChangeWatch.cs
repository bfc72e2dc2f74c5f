using System.Diagnostics;
using Pytrace.Reader.Data;

namespace Pytrace.Reader.Ui;

/// <summary>
/// Tells the reader when to read the database again: after another connection (the tracer's dumper) committed
/// anything, new calls or the end of old ones alike. PRAGMA data_version says so without reading a table, so a
/// finished run costs nothing however large it is.
/// </summary>
public sealed class ChangeWatch(TraceDb db)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _version = db.DataVersion();
    private TimeSpan _quietUntil;

    /// <summary>Runs REFRESH if the database changed since the last one (or since this watch was made).</summary>
    public void Poll(Action refresh)
    {
        if (_clock.Elapsed < _quietUntil)
            return;
        // Read before refreshing: a commit during the refresh makes the next poll refresh again.
        var version = db.DataVersion();
        if (version == _version)
            return;
        _version = version;
        var started = _clock.Elapsed;
        refresh();
        // A slow refresh (a sparse filter on a live run, whose indexes do not exist yet) must not starve the keys
        // while the dumper commits every 100 ms: the next one waits four times as long as this one took.
        _quietUntil = _clock.Elapsed + 4 * (_clock.Elapsed - started);
    }
}
