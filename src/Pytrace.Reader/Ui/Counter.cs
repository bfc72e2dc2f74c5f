using Microsoft.Data.Sqlite;
using Pytrace.Reader.Data;

namespace Pytrace.Reader.Ui;

/// <summary>
/// Counts calls of a scope on its own connection and thread, so the screen never waits for a count. A newer
/// request interrupts the running one (sqlite3_interrupt); results carry the request number they answer.
/// </summary>
public sealed class Counter : IDisposable
{
    private readonly TraceDb _db;
    private readonly Thread _worker;
    private readonly object _gate = new();
    private (int Id, ViewScope Scope, long Cap)? _request;
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
    public int Request(ViewScope scope, long cap = long.MaxValue)
    {
        lock (_gate)
        {
            _request = (++_next, scope, cap);
            SQLitePCL.raw.sqlite3_interrupt(_db.Connection.Handle);
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
            (int Id, ViewScope Scope, long Cap) request;
            lock (_gate)
            {
                while (_request is null && !_stopped)
                    Monitor.Wait(_gate);
                if (_stopped)
                    return;
                request = _request!.Value;
                _request = null;
            }
            try
            {
                var count = Count(request.Scope, request.Cap);
                lock (_gate)
                    _results[request.Id] = (count, count >= request.Cap);
            }
            catch (SqliteException)
            {
                // Interrupted by a newer request, or the db changed under a live run: the next request answers.
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
