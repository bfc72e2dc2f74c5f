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
/// Each turn empties the rings into per-process backlogs (cheap, so the program never finds its ring full), skims
/// what the newest <c>maxTraces</c> calls have pushed out of the window, then writes a bounded slice of each backlog.
/// </remarks>
public sealed class RunDumper
{
    /// <summary>What the backlogs may hold together; past it the rings fill up, then the program drops records.</summary>
    public const long BacklogBudgetBytes = 96L << 20;
    private const int RecordsPerWrite = 16_384;
    private const int RowsPerBatch = 65_536;
    private static readonly TimeSpan SubmitInterval = TimeSpan.FromMilliseconds(100);
    private const long CallIdBlock = 1 << 20, NameIdBlock = 1 << 16;

    private readonly TraceWriter _db;
    private readonly string _ringDirectory, _session;
    private readonly long _maxTraces;
    private readonly Dictionary<string, Source> _sources = new(StringComparer.Ordinal);
    private readonly HashSet<string> _closed = new(StringComparer.Ordinal);
    private readonly HashSet<int> _ringPids = [];
    private readonly Stack<byte[]> _spareChunks = new();
    private readonly IdSupply _callIds = new(Schema.NextCallId, CallIdBlock), _nameIds = new(Schema.NextNameId, NameIdBlock);
    private readonly Interner _names;
    private readonly Action _throwIfWriterFailed;
    private readonly StartingProcesses _starting;
    private readonly double _ticksPerSecond = Calibrate();
    private BatchWriter? _writer;
    private long _skimmed, _backlogBytes;

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
    /// <summary>Wall-clock time of the turns that had records to move or decode: what the dumper took.</summary>
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

    private sealed class Source(RingMapping ring, ProcessStream stream, int pid, RecordBacklog backlog)
    {
        public RingMapping Ring => ring;
        public ProcessStream Stream => stream;
        public int Pid => pid;
        public RecordBacklog Backlog => backlog;
        /// <summary>Why nothing more can be read from the ring, once it turned out corrupt.</summary>
        public string? Corrupt;
    }

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
        using var writer = _writer = new BatchWriter(_db, _maxTraces, _callIds, _nameIds);
        _names.Batch = writer.Rent();
        var sinceSubmit = System.Diagnostics.Stopwatch.StartNew();
        var turn = new System.Diagnostics.Stopwatch();
        while (true)
        {
            bool exited = programExited();
            Scan();
            turn.Restart();
            long moved = Fill();
            Skim();
            // A full batch waits for the writer; meanwhile the records wait in the backlogs, and the window skims them.
            long decoded = _names.Batch.Rows < RowsPerBatch ? Decode() : 0;
            var batch = _names.Batch;
            if ((batch.Rows >= RowsPerBatch || sinceSubmit.Elapsed >= SubmitInterval || decoded == 0) && !batch.IsEmpty && writer.HasRoom)
            {
                Submit();
                sinceSubmit.Restart();
            }
            if (moved > 0 || decoded > 0) { Busy += turn.Elapsed; continue; }
            if (exited && CloseFinished() && _sources.Count == 0 && !PendingRingFiles() && !_starting.Any(_ringPids.Contains)) break;
            if (!exited) CloseFinished();
            else if (programDrained is not null)
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
        WriterBusy = writer.Busy;
        _writer = null;
        if (_maxTraces > 0) _db.TrimTo(_maxTraces); // exactly the newest, not within the tenth trimmed as it went
        _db.Commit();
    }

    /// <summary>Hands the batch decoded so far to the writer and starts the next.</summary>
    private void Submit()
    {
        var writer = _writer!;
        if (_names.Batch.IsEmpty) return;
        writer.Submit(_names.Batch);
        _names.Batch = writer.Rent();
    }

    private void Scan()
    {
        foreach (var path in Directory.EnumerateFiles(_ringDirectory, $"pytrace-{_session}-*"))
        {
            if (_sources.ContainsKey(path) || _closed.Contains(path)) continue;
            var ring = RingMapping.TryOpen(path);
            if (ring is null) continue;
            var stream = new ProcessStream(_names, _callIds, _throwIfWriterFailed, _ticksPerSecond);
            _sources[path] = new Source(ring, stream, ring.Reader.Pid, new RecordBacklog(_spareChunks));
            _ringPids.Add(ring.Reader.Pid);
            Processes++;
        }
    }

    /// <summary>Moves what each ring holds into its backlog, within the budget; returns the records moved.</summary>
    private long Fill()
    {
        long records = 0;
        long now = Libc.Now(Libc.CLOCK_MONOTONIC);
        foreach (var source in _sources.Values)
        {
            source.Ring.Reader.Heartbeat(now);
            if (source.Corrupt is not null) continue;
            var filler = new RecordBacklog.Filler(source.Backlog);
            long before = source.Backlog.Bytes;
            try
            {
                records += source.Ring.Reader.Drain(ref filler, Math.Max(0, BacklogBudgetBytes - _backlogBytes));
            }
            catch (InvalidDataException e)
            {
                source.Corrupt = e.Message; // what came before it is still written
            }
            _backlogBytes += source.Backlog.Bytes - before;
        }
        PeakBacklogBytes = Math.Max(PeakBacklogBytes, _backlogBytes);
        return records;
    }

    /// <summary>
    /// Follows without writing the oldest backlogged calls that at least <c>maxTraces</c> newer ones, also
    /// backlogged, push out of the window: writing them would only lead to deleting them.
    /// </summary>
    private void Skim()
    {
        if (_maxTraces <= 0) return;
        while (true)
        {
            long total = 0;
            Source? largest = null;
            foreach (var source in _sources.Values)
            {
                total += source.Backlog.Calls;
                if (largest is null || source.Backlog.Calls > largest.Backlog.Calls) largest = source;
            }
            if (largest is null || largest.Backlog.OldestChunkCalls == 0 || total - largest.Backlog.OldestChunkCalls < _maxTraces) return;
            var stream = largest.Stream;
            long before = largest.Backlog.Bytes, calls = stream.Skimmed;
            stream.Skimming = true;
            try
            {
                largest.Backlog.Feed(ref stream, -1);
            }
            finally
            {
                stream.Skimming = false;
            }
            _skimmed += stream.Skimmed - calls;
            _backlogBytes -= before - largest.Backlog.Bytes;
        }
    }

    /// <summary>Decodes a slice of each backlog into the batch; returns the records handled.</summary>
    private long Decode()
    {
        long records = 0;
        foreach (var source in _sources.Values)
        {
            var stream = source.Stream;
            long before = source.Backlog.Bytes;
            records += source.Backlog.Feed(ref stream, RecordsPerWrite);
            _backlogBytes -= before - source.Backlog.Bytes;
        }
        return records;
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
                Release(path, source);
            }
            if (exited && _sources.Count == 0 && !PendingRingFiles() && !_starting.Any(_ringPids.Contains)) return;
            Thread.Sleep(2);
        }
    }

    private struct DiscardingSink : IRecordSink
    {
        public readonly void OnRecord(byte kind, ReadOnlySpan<byte> payload) { }
    }

    /// <summary>Releases rings whose process finished or died and whose records are all written; true when none is pending.</summary>
    private bool CloseFinished()
    {
        foreach (var (path, source) in _sources.ToArray())
        {
            var reader = source.Ring.Reader;
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
            Release(path, source);
        }
        return _sources.Count == 0;
    }

    private void Release(string path, Source source)
    {
        _backlogBytes -= source.Backlog.Bytes;
        source.Backlog.Clear();
        source.Ring.Dispose();
        File.Delete(path);
        _sources.Remove(path);
        _closed.Add(path);
    }

    /// <summary>Ring files not yet mapped: still being created, or left by a process that died while creating one.</summary>
    private bool PendingRingFiles()
    {
        bool pending = false;
        foreach (var path in Directory.EnumerateFiles(_ringDirectory, $"pytrace-{_session}-*"))
        {
            if (_sources.ContainsKey(path) || _closed.Contains(path)) continue;
            int pid = RingLayout.PidOf(path);
            _ringPids.Add(pid);
            if (pid > 0 && IsAlive(pid)) pending = true;
            else { File.Delete(path); _closed.Add(path); }
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
