namespace Pytrace.Dumper;

/// <summary>
/// Ids of one counter for the decoding thread, out of blocks the writing thread reserves in the database. The
/// decoder asks for the next block when it starts on its last one, so it normally never waits for one.
/// </summary>
internal sealed class IdSupply(string key, long blockSize)
{
    private readonly Queue<long> _blocks = new(); // first ids of reserved blocks, guarded by itself
    private long _next, _end;

    public string Key => key;
    public long BlockSize => blockSize;

    /// <summary>True when the writer should reserve another block (read by the writer thread).</summary>
    public bool Wanted
    {
        get { lock (_blocks) return _blocks.Count == 0; }
    }

    /// <summary>Called by the writer thread with the first id of a block it reserved.</summary>
    public void Supply(long first)
    {
        lock (_blocks)
        {
            _blocks.Enqueue(first);
            Monitor.PulseAll(_blocks);
        }
    }

    /// <summary>The next id (decoding thread). Waits only if the writer is a whole block behind; <paramref name="throwIfFailed"/> ends the wait with the writer's failure.</summary>
    public long Take(Action throwIfFailed)
    {
        if (_next == _end) Advance(throwIfFailed);
        return _next++;
    }

    private void Advance(Action throwIfFailed)
    {
        lock (_blocks)
        {
            while (_blocks.Count == 0)
            {
                throwIfFailed();
                Monitor.Wait(_blocks, 50);
            }
            _next = _blocks.Dequeue();
            _end = _next + blockSize;
        }
    }
}
