using System.Diagnostics;
using Pytrace.Interop;
using Pytrace.Ring;
using Pytrace.Storage;

namespace Pytrace.Dumper;

/// <summary>
/// Drains every ring of one run into the database, outside the traced interpreters. Finds the rings of child
/// processes as they appear, and ends when the program has exited, every ring is drained and released, and no
/// process of the run is still starting up.
/// </summary>
/// <remarks>
/// Three threads: the <see cref="RingDrainer"/> empties the rings into per-process backlogs (cheap, so the program
/// never finds its ring full); this one skims what the newest <c>maxTraces</c> calls have pushed out of the window
/// and decodes the rest into batches; the <see cref="BatchWriter"/> writes the batches.
/// </remarks>
public sealed class RunDumper
{
    /// <summary>What the backlogs may hold together; past it the rings fill up, then the program drops records.</summary>
    public const long BacklogBudgetBytes = 96L << 20;
    private const int RecordsPerDecode = 16_384;
    private const int SkimChunksPerTurn = 8;
    private const int RowsPerBatch = WriteBatch.Capacity;
    private static readonly TimeSpan SubmitInterval = TimeSpan.FromMilliseconds(100);
    /// <summary>
    /// A batch waits this long for more when the rings are empty: a commit every few milliseconds of a trickle
    /// wrote the same last pages again and again, and left calls open at each one, whose later UPDATE (their end)
    /// splits the full page they are on: pygments' calls table was 10% empty space.
    /// </summary>
    private static readonly TimeSpan IdleSubmitInterval = TimeSpan.FromMilliseconds(25);
    private const long CallIdBlock = 1 << 20, NameIdBlock = 1 << 16;

    private readonly TraceWriter _db;
    private readonly string _ringDirectory, _session;
    private readonly long _maxTraces;
    private readonly Dictionary<string, RingSource> _sources = new(StringComparer.Ordinal);
    private readonly HashSet<string> _closed = new(StringComparer.Ordinal);
    private readonly HashSet<int> _ringPids = [];
    private readonly ChunkPool _chunks = new();
    private readonly IdSupply _callIds = new(Schema.NextCallId, CallIdBlock), _nameIds = new(Schema.NextNameId, NameIdBlock);
    private readonly Interner _names;
    private readonly Action _throwIfWriterFailed;
    private readonly StartingProcesses _starting;
    private readonly double _ticksPerSecond = Calibrate();
    private BatchWriter? _writer;
    private RingDrainer? _drainer;
    private long _skimmed;

    public RunDumper(TraceWriter db, string ringDirectory, string session, long maxTraces)
    {
        _db = db;
        _ringDirectory = ringDirectory;
        _session = session;
        _maxTraces = maxTraces;
        _starting = new StartingProcesses(session);
        _throwIfWriterFailed = () => _writer?.ThrowIfFailed();
        _names = new Interner(_nameIds, _throwIfWriterFailed);
    }

    public long Calls { get; private set; }
    /// <summary>Calls written to the database (some may have been deleted since by --max-traces).</summary>
    public long Written => Calls - _skimmed;
    /// <summary>Calls not kept because newer ones fill the --max-traces window: deleted, or never written.</summary>
    public long Trimmed => _db.Trimmed + _skimmed;
    /// <summary>Wall-clock time of the decoder's turns that had records to decode.</summary>
    public TimeSpan Busy { get; private set; }
    /// <summary>Wall-clock time the writer thread spent writing batches.</summary>
    public TimeSpan WriterBusy { get; private set; }
    public long Dropped { get; private set; }
    /// <summary>Internal errors the traced processes reported, one line each.</summary>
    public List<string> Errors { get; } = [];
    public int Processes { get; private set; }
    public string? PythonVersion { get; private set; }
    /// <summary>The most the backlogs held at once.</summary>
    public long PeakBacklogBytes { get; private set; }

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
        var drainer = _drainer = new RingDrainer(BacklogBudgetBytes, _ringDirectory, _session, Open);
        WarmUp.DecodePath();
        using var writer = _writer = new BatchWriter(_db, _maxTraces, _callIds, _nameIds);
        try
        {
            _names.Batch = writer.Rent();
            var sinceSubmit = Stopwatch.StartNew();
            var turn = new Stopwatch();
            while (true)
            {
                // Also when no batch can be handed over: a writer that failed with its queue full takes none, and
                // the decoder, its batch full, would wait for it for ever (seen: the disk-full test hung for an hour).
                writer.ThrowIfFailed();
                bool exited = programExited();
                Scan();
                turn.Restart();
                bool skimmed = Skim();
                // A full batch waits for the writer; meanwhile records wait in the backlogs, and the window skims them.
                // While the backlogs alone fill the window and the program goes on, what would be decoded now is
                // likely pushed out of it before the end: the time goes to skimming, and to the program, instead.
                bool windowFull = !exited && _maxTraces > 0 && BackloggedCalls() >= _maxTraces;
                if (windowFull) writer.TrimAhead();
                long decoded = _names.Batch.Rows < RowsPerBatch && !windowFull ? Decode() : 0;
                var batch = _names.Batch;
                if ((batch.Rows >= RowsPerBatch || sinceSubmit.Elapsed >= (decoded == 0 ? IdleSubmitInterval : SubmitInterval)) && !batch.IsEmpty && writer.HasRoom)
                {
                    Submit();
                    sinceSubmit.Restart();
                }
                if (decoded > 0 || skimmed) { Busy += turn.Elapsed; continue; }
                if (exited && CloseFinished() && _sources.Count == 0 && !PendingRingFiles() && !_starting.Any(_ringPids.Contains)) break;
                if (!exited) CloseFinished();
                else if (programDrained is not null && CaughtUp())
                {
                    Submit();
                    writer.Drain();
                    programDrained();
                    programDrained = null;
                }
                Thread.Sleep(2);
            }
            Submit();
            writer.Complete();
        }
        finally
        {
            WriterBusy = writer.Busy;
            PeakBacklogBytes = drainer.PeakBytes;
            _writer = null;
        }
        if (_maxTraces > 0) _db.TrimTo(_maxTraces); // exactly the newest, not within the tenth trimmed as it went
        _db.Commit();
        drainer.Dispose();
        _drainer = null;
    }

    private long BackloggedCalls()
    {
        long calls = 0;
        foreach (var source in _sources.Values) calls += source.Backlog.Calls;
        return calls;
    }

    /// <summary>Every record written into a ring so far is decoded: the drainer has nothing left to move.</summary>
    private bool CaughtUp() => _sources.Values.All(s => s.Corrupt is not null || (s.Ring.Reader.IsEmpty && s.Backlog.IsEmpty));

    /// <summary>Hands the batch decoded so far to the writer and starts the next.</summary>
    private void Submit()
    {
        var writer = _writer!;
        if (_names.Batch.IsEmpty) return;
        writer.Submit(_names.Batch);
        _names.Batch = writer.Rent();
    }

    /// <summary>Takes over the rings the drainer has found, or, once it is stopped, looks for them itself.</summary>
    private void Scan()
    {
        if (_drainer is { } drainer)
        {
            foreach (var source in drainer.TakeNew()) Adopt(source);
            return;
        }
        foreach (var path in Directory.EnumerateFiles(_ringDirectory, RingLayout.FilePattern(_session)))
        {
            if (_sources.ContainsKey(path) || _closed.Contains(path)) continue;
            if (Open(path) is { } source) Adopt(source);
        }
    }

    private RingSource? Open(string path)
    {
        var ring = RingMapping.TryOpen(path);
        if (ring is null) return null;
        var stream = new ProcessStream(_names, _callIds, _throwIfWriterFailed, _ticksPerSecond);
        return new RingSource(path, ring, stream, new RecordBacklog(_chunks));
    }

    private void Adopt(RingSource source)
    {
        _sources[source.Path] = source;
        _ringPids.Add(source.Pid);
        Processes++;
    }

    /// <summary>
    /// Follows without writing the oldest backlogged calls that at least <c>maxTraces</c> newer ones, also
    /// backlogged, push out of the window: writing them would only lead to deleting them. A few chunks per turn,
    /// so that a turn stays short.
    /// </summary>
    private bool Skim()
    {
        if (_maxTraces <= 0) return false;
        for (int chunk = 0; chunk < SkimChunksPerTurn; chunk++)
        {
            long total = 0;
            RingSource? largest = null;
            foreach (var source in _sources.Values)
            {
                total += source.Backlog.Calls;
                if (largest is null || source.Backlog.Calls > largest.Backlog.Calls) largest = source;
            }
            // An oldest chunk with nothing left (read to its end, not yet let go) counts 0: skimming it moves on.
            long oldest = largest?.Backlog.OldestChunkCalls ?? 0;
            if (largest is null || largest.Backlog.Calls == 0 || total - oldest < _maxTraces) return chunk > 0;
            var stream = largest.Stream;
            long before = stream.Skimmed;
            stream.Skimming = true;
            try
            {
                largest.Backlog.Feed(ref stream, -1);
            }
            catch (Exception e) when (IsCutShort(e))
            {
                MarkCutShort(largest);
            }
            finally
            {
                stream.Skimming = false;
            }
            _skimmed += stream.Skimmed - before;
        }
        return true;
    }

    /// <summary>Decodes a slice of each backlog into the batch; returns the records handled.</summary>
    private long Decode()
    {
        long records = 0;
        foreach (var source in _sources.Values)
        {
            var stream = source.Stream;
            try
            {
                records += source.Backlog.Feed(ref stream, RecordsPerDecode);
            }
            catch (Exception e) when (IsCutShort(e))
            {
                MarkCutShort(source);
            }
        }
        return records;
    }

    /// <summary>A record well framed in the ring but shorter than its kind's fields (a ring written by something else).</summary>
    private static bool IsCutShort(Exception e) => e is ArgumentOutOfRangeException or IndexOutOfRangeException;

    /// <summary>What SOURCE held before the short record is kept; the ring is not read further, and closes as corrupt.</summary>
    private static void MarkCutShort(RingSource source)
    {
        lock (source) // the drainer appends under it, and skips a corrupt ring once it sees one
        {
            source.Corrupt ??= "a record shorter than its fields";
            source.Backlog.Clear();
        }
    }

    /// <summary>
    /// After the database failed (disk full, I/O error): the rings are still emptied and released until the run ends,
    /// so that no process waits on a full ring and nothing is left in shared memory; what they held is not recorded.
    /// </summary>
    public void DiscardRest(Func<bool> programExited)
    {
        if (_drainer is { } drainer)
        {
            drainer.Dispose();
            Scan(); // the rings it opened last
            _drainer = null;
        }
        var discard = new DiscardingSink();
        while (true)
        {
            bool exited = programExited();
            Scan();
            long now = Libc.Now(Libc.CLOCK_MONOTONIC);
            foreach (var source in _sources.Values.ToArray())
            {
                var reader = source.Ring.Reader;
                reader.Heartbeat(now);
                bool ended = reader.Finished || !IsAlive(source.Pid), corrupt = source.Corrupt is not null;
                try
                {
                    while (!corrupt && reader.Drain(ref discard, long.MaxValue) > 0) { }
                }
                catch (InvalidDataException)
                {
                    corrupt = true; // nothing more can be read from it
                }
                if (!corrupt && (!ended || !reader.IsEmpty)) continue;
                Release(source);
            }
            if (exited && _sources.Count == 0 && !PendingRingFiles() && !_starting.Any(_ringPids.Contains)) return;
            Thread.Sleep(2);
        }
    }

    private struct DiscardingSink : IRecordSink
    {
        public readonly void OnRecord(byte kind, ReadOnlySpan<byte> payload) { }
    }

    /// <summary>Releases rings whose process finished or died and whose records are all decoded; true when none is pending.</summary>
    private bool CloseFinished()
    {
        foreach (var source in _sources.Values.ToArray())
        {
            var reader = source.Ring.Reader;
            // In this order: once the process has ended and its ring is empty, its backlog has all it will get.
            if (source.Corrupt is null && !(reader.Finished || !IsAlive(source.Pid))) continue;
            if (source.Corrupt is null && !reader.IsEmpty) continue;
            if (!source.Backlog.IsEmpty) continue;
            var stream = source.Stream;
            if (source.Corrupt is { } why)
                Errors.Add($"the ring of process {source.Pid} is corrupt ({why}); its records up to there are kept, the rest is skipped");
            else
                stream.ReconcileDrops(reader.DroppedRecords);
            stream.Close(Libc.Now(Libc.CLOCK_REALTIME));
            Calls += stream.Calls;
            Dropped += stream.Dropped;
            Errors.AddRange(stream.Errors);
            PythonVersion ??= stream.PythonVersion;
            Release(source);
        }
        return _sources.Count == 0;
    }

    private void Release(RingSource source)
    {
        _drainer?.Remove(source);
        source.Backlog.Clear();
        source.Ring.Dispose();
        File.Delete(source.Path);
        _sources.Remove(source.Path);
        _closed.Add(source.Path);
    }

    /// <summary>Ring files not yet mapped: still being created, or left by a process that died while creating one.</summary>
    private bool PendingRingFiles()
    {
        // A ring made just now must not pass for one left by a dead process: the drainer opens what it can first.
        _drainer?.Scan();
        Scan();
        if (_sources.Count > 0) return true;
        bool pending = false;
        foreach (var path in Directory.EnumerateFiles(_ringDirectory, RingLayout.FilePattern(_session)))
        {
            if (_sources.ContainsKey(path) || _closed.Contains(path)) continue;
            if (_drainer?.Knows(path) ?? false)
            {
                pending = true; // opened by the drainer, not yet taken over
                continue;
            }
            int pid = RingLayout.PidOf(path);
            _ringPids.Add(pid);
            if (pid > 0 && IsAlive(pid)) pending = true;
            else { File.Delete(path); _closed.Add(path); _drainer?.Forget(path); }
        }
        return pending;
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
