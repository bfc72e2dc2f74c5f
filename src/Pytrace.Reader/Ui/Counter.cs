using Microsoft.Data.Sqlite;
using Pytrace.Reader.Data;

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
    private readonly List<(int Id, ViewScope Scope, long Cap, bool Live)> _pending = [];
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

    /// <summary>Asks for the number of calls in SCOPE, stopping at CAP; returns the request number.</summary>
    public int Request(ViewScope scope, long cap = long.MaxValue, bool live = false)
    {
        lock (_gate)
        {
            if (live)
            {
                _pending.RemoveAll(r => r.Live);
                if (_runningLive)
                    SQLitePCL.raw.sqlite3_interrupt(_db.Connection.Handle);
            }
            _pending.Add((++_next, scope, cap, live));
            Monitor.Pulse(_gate);
            return _next;
        }
    }

    public (long Count, bool Capped)? Result(int id)
    {
        lock (_gate)
            return _results.TryGetValue(id, out var result) ? result : null;
    }

    private void Work()
    {
        while (true)
        {
            (int Id, ViewScope Scope, long Cap, bool Live) request;
            lock (_gate)
            {
                while (_pending.Count == 0 && !_stopped)
                    Monitor.Wait(_gate);
                if (_stopped)
                    return;
                request = _pending[0];
                _pending.RemoveAt(0);
                _runningLive = request.Live;
            }
            try
            {
                var count = Count(request.Scope, request.Cap);
                lock (_gate)
                {
                    _results[request.Id] = (count, count >= request.Cap);
                    _runningLive = false;
                }
            }
            catch (SqliteException)
            {
                // Interrupted by a newer live count, or the db changed under a live run: the next request answers.
            }
        }
    }

    private long Count(ViewScope scope, long cap)
    {
        if (scope.Filter is null && scope.Thread is null)
            return _db.ScalarLong("SELECT count(*) FROM calls") ?? 0;
        var (where, parameters) = scope.Where("1");
        var limit = cap == long.MaxValue ? "" : $" LIMIT {cap}";
        using var command = _db.Command($"SELECT count(*) FROM (SELECT 1 FROM calls c WHERE {where}{limit})", parameters);
        return Convert.ToInt64(command.ExecuteScalar());
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _stopped = true;
            SQLitePCL.raw.sqlite3_interrupt(_db.Connection.Handle);
            Monitor.Pulse(_gate);
        }
        _worker.Join();
        _db.Dispose();
    }
}
