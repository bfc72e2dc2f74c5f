using System.Diagnostics;
using Pytrace.Interop;
using Pytrace.Ring;

namespace Pytrace.Cli.Dumper;

/// <summary>
/// Drains every ring of one run into the database, outside the traced interpreters. Finds the rings of child
/// processes as they appear, and ends when the program has exited, every ring is drained and released, and no
/// process of the run is still starting up.
/// </summary>
internal sealed class RunDumper(TraceDatabase db, string ringDirectory, string session, long maxTraces)
{
    private const long DrainBytesPerTurn = 8 << 20;
    private const int RowsPerCommit = 200_000;
    private static readonly TimeSpan CommitInterval = TimeSpan.FromMilliseconds(100);

    private readonly Dictionary<string, Source> _sources = new(StringComparer.Ordinal);
    private readonly HashSet<string> _closed = new(StringComparer.Ordinal);
    private readonly RowQueue _rows = new();
    private readonly HashSet<int> _ringPids = [];
    private readonly StartingProcesses _starting = new(session);
    private readonly double _ticksPerSecond = Calibrate();
    private long _sinceTrim;

    public long Calls { get; private set; }
    /// <summary>Calls deleted, oldest first, to keep the newest --max-traces of this run.</summary>
    public long Trimmed => db.Trimmed;
    /// <summary>Time spent draining and writing while there was something to drain: the dumper's own cost.</summary>
    public TimeSpan Busy { get; private set; }
    public long Dropped { get; private set; }
    /// <summary>Internal errors the traced processes reported, one line each.</summary>
    public List<string> Errors { get; } = [];
    public int Processes { get; private set; }
    public string? PythonVersion { get; private set; }

    private sealed record Source(RingMapping Ring, ProcessStream Stream, int Pid);

    private static double Calibrate()
    {
        TscClock.Initialize();
        return TscClock.MeasureFrequency(20);
    }

    /// <summary>
    /// Runs until <paramref name="programExited"/> is true and nothing is left in shared memory.
    /// <paramref name="programDrained"/> is called once, when the program has exited (or stopped tracing) and
    /// everything recorded so far is committed, if processes it started are still recording.
    /// </summary>
    public void Run(Func<bool> programExited, Action? programDrained = null)
    {
        var sinceCommit = Stopwatch.StartNew();
        var turn = new Stopwatch();
        while (true)
        {
            bool exited = programExited();
            Scan();
            turn.Restart();
            long drained = DrainAll();
            bool wrote = false;
            if (_rows.Count >= RowsPerCommit || sinceCommit.Elapsed >= CommitInterval || drained == 0)
            {
                wrote = _rows.Count > 0;
                Commit();
                sinceCommit.Restart();
            }
            if (drained > 0 || wrote) Busy += turn.Elapsed;
            if (drained > 0) continue;
            if (exited && CloseFinished() && _sources.Count == 0 && !PendingRingFiles() && !_starting.Any(_ringPids.Contains)) break;
            if (!exited) CloseFinished();
            else if (programDrained is not null)
            {
                Commit();
                programDrained();
                programDrained = null;
            }
            Thread.Sleep(2);
        }
        Commit();
        if (maxTraces > 0) db.TrimTo(maxTraces); // exactly the newest, not within the tenth trimmed as it went
        db.Commit();
    }

    private void Scan()
    {
        foreach (var path in Directory.EnumerateFiles(ringDirectory, $"pytrace-{session}-*"))
        {
            if (_sources.ContainsKey(path) || _closed.Contains(path)) continue;
            var ring = RingMapping.TryOpen(path);
            if (ring is null) continue;
            var stream = new ProcessStream(db, _rows, _ticksPerSecond);
            _sources[path] = new Source(ring, stream, ring.Reader.Pid);
            _ringPids.Add(ring.Reader.Pid);
            Processes++;
        }
    }

    private long DrainAll()
    {
        long records = 0;
        long now = Libc.Now(Libc.CLOCK_MONOTONIC);
        foreach (var (path, source) in _sources.ToArray())
        {
            source.Ring.Reader.Heartbeat(now);
            var stream = source.Stream;
            try
            {
                records += source.Ring.Reader.Drain(ref stream, DrainBytesPerTurn);
            }
            catch (InvalidDataException e)
            {
                Abandon(path, source, e.Message);
            }
        }
        return records;
    }

    /// <summary>A ring whose records cannot be read any further: what came before is kept, the rest is skipped, once said.</summary>
    private void Abandon(string path, Source source, string why)
    {
        Errors.Add($"the ring of process {source.Pid} is corrupt ({why}); its records up to there are kept, the rest is skipped");
        Calls += source.Stream.Calls;
        source.Ring.Dispose();
        File.Delete(path);
        _sources.Remove(path);
        _closed.Add(path);
    }

    /// <summary>
    /// After the database failed (disk full, I/O error): the rings are still emptied and released until the run ends,
    /// so that no process waits on a full ring and nothing is left in shared memory; what they held is not recorded.
    /// </summary>
    public void DiscardRest(Func<bool> programExited)
    {
        var discard = new DiscardingSink();
        while (true)
        {
            bool exited = programExited();
            Scan();
            long now = Libc.Now(Libc.CLOCK_MONOTONIC);
            foreach (var (path, source) in _sources.ToArray())
            {
                var reader = source.Ring.Reader;
                reader.Heartbeat(now);
                bool ended = reader.Finished || !IsAlive(source.Pid), corrupt = false;
                try
                {
                    while (reader.Drain(ref discard, DrainBytesPerTurn) > 0) { }
                }
                catch (InvalidDataException)
                {
                    corrupt = true; // nothing more can be read from it
                }
                if (!corrupt && (!ended || !reader.IsEmpty)) continue;
                source.Ring.Dispose();
                File.Delete(path);
                _sources.Remove(path);
                _closed.Add(path);
            }
            if (exited && _sources.Count == 0 && !PendingRingFiles() && !_starting.Any(_ringPids.Contains)) return;
            Thread.Sleep(2);
        }
    }

    private struct DiscardingSink : IRecordSink
    {
        public readonly void OnRecord(byte kind, ReadOnlySpan<byte> payload) { }
    }

    /// <summary>Releases rings whose process finished or died and that are empty; true when none is pending.</summary>
    private bool CloseFinished()
    {
        foreach (var (path, source) in _sources.ToArray())
        {
            var reader = source.Ring.Reader;
            if (!(reader.Finished || !IsAlive(source.Pid))) continue;
            var stream = source.Stream;
            try
            {
                while (reader.Drain(ref stream, long.MaxValue) > 0) { }
            }
            catch (InvalidDataException e)
            {
                Abandon(path, source, e.Message);
                continue;
            }
            if (!reader.IsEmpty) continue;
            stream.ReconcileDrops(reader.DroppedRecords);
            stream.Close(Libc.Now(Libc.CLOCK_REALTIME));
            Calls += stream.Calls;
            Dropped += stream.Dropped;
            Errors.AddRange(stream.Errors);
            PythonVersion ??= stream.PythonVersion;
            source.Ring.Dispose();
            File.Delete(path);
            _sources.Remove(path);
            _closed.Add(path);
        }
        return _sources.Count == 0;
    }

    /// <summary>Ring files not yet mapped: still being created, or left by a process that died while creating one.</summary>
    private bool PendingRingFiles()
    {
        bool pending = false;
        foreach (var path in Directory.EnumerateFiles(ringDirectory, $"pytrace-{session}-*"))
        {
            if (_sources.ContainsKey(path) || _closed.Contains(path)) continue;
            int pid = RingLayout.PidOf(path);
            _ringPids.Add(pid);
            if (pid > 0 && IsAlive(pid)) pending = true;
            else { File.Delete(path); _closed.Add(path); }
        }
        return pending;
    }

    private void Commit()
    {
        if (_rows.Count > 0)
        {
            _sinceTrim += _rows.Count;
            _rows.Flush(db);
            if (maxTraces > 0 && _sinceTrim > maxTraces / 10)
            {
                db.TrimTo(maxTraces);
                _sinceTrim = 0;
            }
        }
        db.Commit();
    }

    /// <summary>Alive and not a zombie (a zombie has exited; only its parent has not collected it yet).</summary>
    public static bool IsAlive(int pid)
    {
        if (!Libc.ProcessExists(pid)) return false;
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            int close = stat.LastIndexOf(')');
            return close < 0 || close + 2 >= stat.Length || stat[close + 2] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }
}
