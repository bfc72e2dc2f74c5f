using Pytrace.Reader.Data;

namespace Pytrace.Reader.Ui;

/// <summary>
/// The status line's counts, all calls and calls in scope, kept up to date while the traced program writes. At most
/// one count of each is asked of the <see cref="Counter"/> at a time: on a live 10M-call run a count can take longer
/// than the writer's commit interval, and requests must not pile up.
/// </summary>
public sealed class StatusCounts(Counter counter, long maxId)
{
    private readonly Tally _total = new(counter, ViewScope.All, maxId);
    private Tally? _scoped;
    private long _maxId = maxId;

    public void Use(ViewScope scope) => _scoped = scope == ViewScope.All ? null : new Tally(counter, scope, _maxId);

    /// <summary>The database changed; MAXID is its newest call now, and SCOPE the scope in use compiled afresh.</summary>
    public void Changed(long maxId, ViewScope scope)
    {
        _maxId = maxId;
        _total.Changed(maxId, ViewScope.All);
        _scoped?.Changed(maxId, scope);
    }

    /// <summary>Asks again for the counts the last change made stale, once their previous answers are in.</summary>
    public void Tick()
    {
        _total.Tick();
        _scoped?.Tick();
    }

    /// <summary>Calls in scope and in all; while a newer count runs, the previous one stands in for it.</summary>
    public (long? Shown, long? Total) Read() => ((_scoped ?? _total).Value, _total.Value);

    /// <summary>
    /// One scope's count. Rows are never deleted and new ones get higher ids, so without a filter only the ids added
    /// since the last count are counted; a filter can start or stop matching a call when it ends, so it counts afresh.
    /// </summary>
    private sealed class Tally
    {
        private readonly Counter _counter;
        private ViewScope _scope;
        private long? _known;
        private long _covered = long.MinValue;
        private long _upTo;
        private bool _stale = true;
        private (int Id, long UpTo)? _asked;

        public Tally(Counter counter, ViewScope scope, long upTo)
        {
            (_counter, _scope, _upTo) = (counter, scope, upTo);
            Tick();
        }

        public long? Value
        {
            get
            {
                Land();
                return _known;
            }
        }

        public void Changed(long upTo, ViewScope scope)
        {
            _upTo = upTo;
            _scope = scope;
            _stale = true;
        }

        public void Tick()
        {
            Land();
            if (!_stale || _asked is not null)
                return;
            _stale = false;
            var added = _scope.Filter is null && _known is not null;
            if (added && _upTo <= _covered)
                return;
            _asked = (_counter.Request(_scope, ids: (added ? _covered : long.MinValue, _upTo)), _upTo);
        }

        // A count that failed leaves _covered as it was: the next change counts its ids again.
        private void Land()
        {
            if (_asked is not { } asked || !_counter.Finished(asked.Id))
                return;
            _asked = null;
            if (_counter.Result(asked.Id) is not { } result)
                return;
            _known = _scope.Filter is null && _known is { } known ? known + result.Count : result.Count;
            _covered = asked.UpTo;
        }
    }
}
