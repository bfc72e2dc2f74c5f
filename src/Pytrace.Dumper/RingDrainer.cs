using Pytrace.Interop;
using Pytrace.Ring;

namespace Pytrace.Dumper;

/// <summary>
/// A thread that only moves records from the rings into their backlogs and keeps the heartbeat the producers check.
/// It sleeps most of the time, so the scheduler runs it as soon as it wakes even on a busy machine, and no ring
/// fills while the decoder or SQLite is slow, or the GC pauses the decoder.
/// </summary>
/// <remarks>It also finds the rings of new processes (a forked worker fills its ring within a fraction of a second),
/// opens them with <c>open</c>, and hands them to the decoder through <see cref="TakeNew"/>.</remarks>
internal sealed class RingDrainer : IDisposable
{
    /// <summary>How often it looks for new rings, whatever else it does: a busy pass must not delay a new worker's ring.</summary>
    private static readonly TimeSpan ScanInterval = TimeSpan.FromMilliseconds(5);
    /// <summary>
    /// What a pass takes, from the ring fullest for its size. A pass that visited every ring in turn, whether it took
    /// 1 MiB of each or all of each, left a ring to fill: on two cores shared with four Pool workers, the decoder and
    /// the writer, the drainer gets about a quarter of a core, can move less than the workers write, and a worker that
    /// got a core to itself for 40 ms filled its ring while the drainer was on the others'.
    /// </summary>
    private const long PassBytes = 1 << 20;
    private readonly long _budgetBytes;
    private readonly string _ringDirectory, _pattern;
    private readonly Func<string, RingSource?> _open;
    private readonly Thread _thread;
    private readonly HashSet<string> _known = new(StringComparer.Ordinal); // guarded by itself
    private readonly System.Collections.Concurrent.ConcurrentQueue<RingSource> _new = new();
    private readonly object _scanning = new();
    private RingSource[] _sources = [];
    private volatile bool _stop;
    private long _peakBytes;

    public RingDrainer(long budgetBytes, string ringDirectory, string session, Func<string, RingSource?> open)
    {
        _budgetBytes = budgetBytes;
        _ringDirectory = ringDirectory;
        _pattern = RingLayout.FilePattern(session);
        _open = open;
        _thread = new Thread(Loop) { IsBackground = true, Name = "pytrace-drain" };
        _thread.Start();
    }

    /// <summary>Rings opened since the last call, for the decoder.</summary>
    public IEnumerable<RingSource> TakeNew()
    {
        while (_new.TryDequeue(out var source)) yield return source;
    }

    /// <summary>Whether the ring at PATH was ever opened (it is never opened twice).</summary>
    public bool Knows(string path)
    {
        lock (_known) return _known.Contains(path);
    }

    /// <summary>Marks PATH as dealt with by the decoder (a ring that was never mapped and is deleted).</summary>
    public void Forget(string path)
    {
        lock (_known) _known.Add(path);
    }

    /// <summary>Opens the rings that appeared since the last scan (also called by the decoder before it decides a run is over).</summary>
    public void Scan()
    {
        lock (_scanning)
            ScanLocked();
    }

    private void ScanLocked()
    {
        foreach (var path in Directory.EnumerateFiles(_ringDirectory, _pattern))
        {
            lock (_known)
                if (_known.Contains(path)) continue;
            var source = _open(path);
            if (source is null) continue; // still being created: its magic is written last
            lock (_known) _known.Add(path);
            Add(source);
            _new.Enqueue(source);
        }
    }

    /// <summary>The most the backlogs held at once.</summary>
    public long PeakBytes => Volatile.Read(ref _peakBytes);

    private void Add(RingSource source)
    {
        lock (_thread) _sources = [.. _sources, source];
    }

    /// <summary>Stops draining SOURCE; when this returns the drainer no longer touches its ring or backlog.</summary>
    public void Remove(RingSource source)
    {
        lock (_thread) _sources = _sources.Where(s => s != source).ToArray();
        // A pass under way ends first; one that took its list before the removal skips it.
        lock (source) source.Released = true;
    }

    private void Loop()
    {
        long lastScan = 0;
        while (!_stop)
        {
            if (System.Diagnostics.Stopwatch.GetElapsedTime(lastScan) >= ScanInterval)
            {
                Scan();
                lastScan = System.Diagnostics.Stopwatch.GetTimestamp();
            }
            var sources = Volatile.Read(ref _sources);
            long held = 0;
            foreach (var source in sources) held += source.Backlog.Bytes;
            var fullest = Beat(sources, Libc.Now(Libc.CLOCK_MONOTONIC));
            if (fullest is null) { Thread.Sleep(1); continue; }
            long before = fullest.Backlog.Bytes;
            bool moved = Drain(fullest, Math.Min(PassBytes, Math.Max(0, _budgetBytes - held)));
            held += fullest.Backlog.Bytes - before;
            if (held > Volatile.Read(ref _peakBytes)) Volatile.Write(ref _peakBytes, held);
            if (!moved) Thread.Sleep(1);
        }
    }

    /// <summary>Gives every ring the heartbeat; returns the one fullest for its size, null when all are empty.</summary>
    private static RingSource? Beat(RingSource[] sources, long now)
    {
        RingSource? fullest = null;
        double most = 0;
        foreach (var source in sources)
        {
            lock (source)
            {
                if (source.Released) continue; // its ring is being unmapped
                var reader = source.Ring.Reader;
                reader.Heartbeat(now);
                if (source.Corrupt is not null) continue;
                double fill = (double)reader.PendingBytes / reader.Capacity;
                if (fill > most) (most, fullest) = (fill, source);
            }
        }
        return fullest;
    }

    /// <summary>Moves at most MAXBYTES of SOURCE's ring into its backlog; false when nothing moved.</summary>
    private static bool Drain(RingSource source, long maxBytes)
    {
        lock (source)
        {
            if (source.Released) return false;
            var filler = new RecordBacklog.Filler(source.Backlog);
            try
            {
                return source.Ring.Reader.DrainRuns(ref filler, maxBytes) > 0;
            }
            catch (InvalidDataException e)
            {
                source.Corrupt = e.Message; // what came before it is still written
                return true;
            }
        }
    }

    public void Dispose()
    {
        _stop = true;
        _thread.Join();
    }
}
