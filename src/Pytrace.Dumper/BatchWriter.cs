using Pytrace.Storage;

namespace Pytrace.Dumper;

/// <summary>
/// The thread that writes decoded batches into the database, one transaction each, while the dumper's own thread
/// goes on emptying rings and decoding: SQLite's share of the work runs beside the rest. It also reserves the id
/// blocks the decoder hands out, and trims the run to its newest --max-traces calls as it goes.
/// </summary>
internal sealed class BatchWriter : IDisposable
{
    /// <summary>Batches decoded and not yet written; past it the decoder waits (the rings and backlogs absorb that).</summary>
    private const int QueueLimit = 2;

    private readonly TraceWriter _db;
    private readonly long _maxTraces;
    private readonly IdSupply[] _supplies;
    private readonly Queue<WriteBatch> _queue = new();
    private readonly Stack<WriteBatch> _spare = new();
    private readonly Thread _thread;
    private bool _completing, _busy, _trimAhead;
    private long _sinceTrim;
    private int _serial;

    /// <summary>The first failure of the database (disk full, I/O error), after which nothing more is written.</summary>
    public TraceDatabaseException? Failure => Volatile.Read(ref _failure);
    private TraceDatabaseException? _failure;

    public BatchWriter(TraceWriter db, long maxTraces, params IdSupply[] supplies)
    {
        _db = db;
        _maxTraces = maxTraces;
        _supplies = supplies;
        foreach (var supply in supplies) supply.Supply(db.Reserve(supply.Key, supply.BlockSize));
        db.Commit();
        _thread = new Thread(Loop) { IsBackground = true, Name = "pytrace-writer" };
        _thread.Start();
    }

    public bool Failed => Failure is not null;
    /// <summary>Time spent writing: the writer thread's own wall clock.</summary>
    public TimeSpan Busy { get; private set; }

    /// <summary>An empty batch to decode into.</summary>
    public WriteBatch Rent()
    {
        WriteBatch batch;
        lock (_queue) batch = _spare.Count > 0 ? _spare.Pop() : new WriteBatch();
        batch.Reset(++_serial);
        return batch;
    }

    /// <summary>Whether <see cref="Submit"/> would be taken at once.</summary>
    public bool HasRoom
    {
        get { lock (_queue) return _queue.Count < QueueLimit; }
    }

    public void Submit(WriteBatch batch)
    {
        ThrowIfFailed();
        lock (_queue)
        {
            while (_queue.Count >= QueueLimit && !Failed) Monitor.Wait(_queue, 50);
            _queue.Enqueue(batch);
            Monitor.PulseAll(_queue);
        }
        ThrowIfFailed();
    }

    /// <summary>
    /// Calls not yet decoded fill the window by themselves: every row of the run written so far lies outside the newest
    /// --max-traces and is deleted now, while the program runs, instead of by the trims of the last batches, after it.
    /// </summary>
    public void TrimAhead()
    {
        lock (_queue)
        {
            if (_trimAhead) return;
            _trimAhead = true;
            Monitor.PulseAll(_queue);
        }
    }

    /// <summary>Waits until everything submitted (and a trim asked ahead) is committed.</summary>
    public void Drain()
    {
        lock (_queue)
            while ((_queue.Count > 0 || _busy || _trimAhead) && !Failed) Monitor.Wait(_queue, 50);
        ThrowIfFailed();
    }

    /// <summary>Writes what is queued, then stops the thread; the connection is the caller's again.</summary>
    public void Complete()
    {
        Dispose();
        ThrowIfFailed();
    }

    /// <summary>Rethrows the database failure on the calling (decoding) thread, if there was one.</summary>
    public void ThrowIfFailed()
    {
        if (Failed) throw Failure!;
    }

    private void Loop()
    {
        WarmUp.WritePath();
        _db.CheckpointAside();
        while (true)
        {
            WriteBatch? batch;
            bool trimAhead;
            lock (_queue)
            {
                while (_queue.Count == 0 && !_completing && !_trimAhead && !Wanted()) Monitor.Wait(_queue, 50);
                if (_queue.Count == 0 && _completing) return;
                batch = _queue.Count > 0 ? _queue.Peek() : null;
                trimAhead = batch is null && _trimAhead;
                _busy = true;
            }
            try
            {
                long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
                Write(batch, trimAhead);
                Busy += System.Diagnostics.Stopwatch.GetElapsedTime(t0);
            }
            catch (TraceDatabaseException e)
            {
                Volatile.Write(ref _failure, e);
                lock (_queue)
                {
                    _busy = false;
                    Monitor.PulseAll(_queue);
                }
                return;
            }
            lock (_queue)
            {
                if (batch is not null)
                {
                    _queue.Dequeue();
                    _spare.Push(batch);
                }
                if (trimAhead) _trimAhead = false;
                _busy = false;
                Monitor.PulseAll(_queue);
            }
        }
    }

    private bool Wanted() => _supplies.Any(s => s.Wanted);

    private void Write(WriteBatch? batch, bool trimAhead)
    {
        _db.Begin();
        var reserved = new List<(IdSupply, long)>();
        foreach (var supply in _supplies)
            if (supply.Wanted) reserved.Add((supply, _db.Reserve(supply.Key, supply.BlockSize)));
        if (trimAhead) _db.TrimTo(0);
        if (batch is not null)
        {
            batch.WriteTo(_db);
            _sinceTrim += batch.Rows;
            if (_maxTraces > 0 && _sinceTrim > _maxTraces / 10)
            {
                _db.TrimTo(_maxTraces);
                _sinceTrim = 0;
            }
        }
        _db.Commit();
        foreach (var (supply, first) in reserved) supply.Supply(first); // only once committed: another run sees them taken
    }

    public void Dispose()
    {
        lock (_queue)
        {
            _completing = true;
            Monitor.PulseAll(_queue);
        }
        _thread.Join();
    }
}
