using Pytrace.Interop;

namespace Pytrace.Dumper;

/// <summary>
/// A thread that only moves records from the rings into their backlogs and keeps the heartbeat the producers check.
/// It sleeps most of the time, so the scheduler runs it as soon as it wakes even on a busy machine, and no ring
/// fills while the decoder or SQLite is slow, or the GC pauses the decoder.
/// </summary>
internal sealed class RingDrainer : IDisposable
{
    private readonly long _budgetBytes;
    private readonly Thread _thread;
    private RingSource[] _sources = [];
    private volatile bool _stop;
    private long _peakBytes;

    public RingDrainer(long budgetBytes)
    {
        _budgetBytes = budgetBytes;
        _thread = new Thread(Loop) { IsBackground = true, Name = "pytrace-drain" };
        _thread.Start();
    }

    /// <summary>The most the backlogs held at once.</summary>
    public long PeakBytes => Volatile.Read(ref _peakBytes);

    public void Add(RingSource source)
    {
        lock (_thread) _sources = [.. _sources, source];
    }

    /// <summary>Stops draining SOURCE; when this returns the drainer no longer touches its ring or backlog.</summary>
    public void Remove(RingSource source)
    {
        lock (_thread) _sources = _sources.Where(s => s != source).ToArray();
        lock (source) { } // a pass over it that is under way ends first
    }

    private void Loop()
    {
        while (!_stop)
        {
            var sources = Volatile.Read(ref _sources);
            long held = 0;
            foreach (var source in sources) held += source.Backlog.Bytes;
            long moved = 0;
            long now = Libc.Now(Libc.CLOCK_MONOTONIC);
            foreach (var source in sources)
            {
                lock (source)
                {
                    source.Ring.Reader.Heartbeat(now);
                    if (source.Corrupt is not null) continue;
                    var filler = new RecordBacklog.Filler(source.Backlog);
                    long before = source.Backlog.Bytes;
                    try
                    {
                        moved += source.Ring.Reader.Drain(ref filler, Math.Max(0, _budgetBytes - held));
                    }
                    catch (InvalidDataException e)
                    {
                        source.Corrupt = e.Message; // what came before it is still written
                    }
                    held += source.Backlog.Bytes - before;
                }
            }
            if (held > Volatile.Read(ref _peakBytes)) Volatile.Write(ref _peakBytes, held);
            if (moved == 0) Thread.Sleep(1);
        }
    }

    public void Dispose()
    {
        _stop = true;
        _thread.Join();
    }
}
