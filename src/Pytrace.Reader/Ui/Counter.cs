using Pytrace.Reader.Data;
using Pytrace.Storage;

namespace Pytrace.Reader.Ui;

/// <summary>
/// Counts calls of a scope on its own connection and thread, so the screen never waits for a count. A newer live
/// count (typed filter) replaces and interrupts an older one (sqlite3_interrupt); status counts always complete.
/// Results carry the request number they answer.
/// </summary>
public sealed class Counter : IDisposable
{
    private readonly TraceDb _db;
    private readonly Thread _worker;
    private readonly object _gate = new();
    private readonly List<Ask> _pending = [];
    private int _running;
    private bool _runningLive;
    private readonly Dictionary<int, (long Count, bool Capped)> _results = [];
    private int _next;
    private bool _stopped;

    public Counter(string path)
    {
        _db = TraceDb.Open(path);
        _worker = new Thread(Work) { IsBackground = true, Name = "pytrace counter" };
        _worker.Start();
    }

    private sealed record Ask(int Id, ViewScope Scope, long Cap, bool Live, (long After, long UpTo)? Ids);

    /// <summary>
    /// Asks for the number of calls in SCOPE, stopping at CAP, only those with an id in IDS (after, up to) if
    /// given; returns the request number.
    /// </summary>
    public int Request(ViewScope scope, long cap = long.MaxValue, bool live = false, (long After, long UpTo)? ids = null)
    {
        lock (_gate)
        {
            if (live)
            {
                _pending.RemoveAll(r => r.Live);
                if (_runningLive)
                    _db.Interrupt();
            }
            _pending.Add(new Ask(++_next, scope, cap, live, ids));
            Monitor.Pulse(_gate);
            return _next;
        }
    }

    public (long Count, bool Capped)? Result(int id)
    {
        lock (_gate)
            return _results.TryGetValue(id, out var result) ? result : null;
    }

    /// <summary>True once request ID is answered or given up (replaced, interrupted, failed): a retry may follow.</summary>
    public bool Finished(int id)
    {
        lock (_gate)
            return id != _running && !_pending.Exists(r => r.Id == id);
    }

    private void Work()
    {
        while (true)
        {
            Ask request;
            lock (_gate)
            {
                while (_pending.Count == 0 && !_stopped)
                    Monitor.Wait(_gate);
                if (_stopped)
                    return;
                request = _pending[0];
                _pending.RemoveAt(0);
                _running = request.Id;
                _runningLive = request.Live;
            }
            long? count = null;
            try
            {
                count = Count(request);
            }
            catch (TraceDatabaseException)
            {
                // Interrupted by a newer live count, or the db changed under a live run: the next request answers.
            }
            lock (_gate)
            {
                if (count is { } n)
                    _results[request.Id] = (n, n >= request.Cap);
                _running = 0;
                _runningLive = false;
            }
        }
    }

    private long Count(Ask request)
    {
        var (where, parameters) = request.Scope.Where(request.Ids is null ? "1" : "c.id > @after AND c.id <= @upTo");
        var limit = request.Cap == long.MaxValue ? "" : $" LIMIT {request.Cap}";
        using var reader = _db.Command($"SELECT count(*) FROM (SELECT 1 FROM calls c WHERE {where}{limit})", parameters);
        if (request.Ids is { } ids)
            reader.Set("@after", ids.After).Set("@upTo", ids.UpTo);
        return reader.Read() ? reader.Long(0) : 0;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _stopped = true;
            _db.Interrupt();
            Monitor.Pulse(_gate);
        }
        _worker.Join();
        _db.Dispose();
    }
}
