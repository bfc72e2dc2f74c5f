using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Pytrace.Records;
using Pytrace.Ring;

namespace Pytrace.Dumper;

/// <summary>
/// Records taken out of a process's ring ahead of decoding them, so that the ring never fills while SQLite is
/// slower than the program: copying is ~50x faster than writing. One thread appends (the <see cref="RingDrainer"/>),
/// one reads (the decoder). It counts the calls it holds, which lets the dumper skip writing the oldest once newer
/// ones fill the --max-traces window.
/// </summary>
internal sealed unsafe class RecordBacklog(ChunkPool pool)
{
    private readonly Queue<Chunk> _chunks = new(); // guarded by itself
    private Chunk? _tail;                          // the appending thread's
    private Chunk? _head;                          // the reading thread's, once it has taken it from the queue
    // Each counter has one writer, so no read-modify-write is shared between the threads.
    private long _bytesIn, _callsIn, _bytesOut, _callsOut;

    public long Bytes => Volatile.Read(ref _bytesIn) - Volatile.Read(ref _bytesOut);
    public long Calls => Volatile.Read(ref _callsIn) - Volatile.Read(ref _callsOut);
    public bool IsEmpty => Bytes == 0;

    /// <summary>Calls in the oldest chunk not yet handed out: what skimming that chunk would skip.</summary>
    public long OldestChunkCalls
    {
        get
        {
            var head = _head;
            if (head is null) lock (_chunks) _chunks.TryPeek(out head);
            return head is null ? 0 : Volatile.Read(ref head.CallsIn) - head.CallsOut;
        }
    }

    /// <summary>Native memory: tens of megabytes of short-lived large arrays would bring the GC's longest pauses.</summary>
    private sealed class Chunk(byte* data, int size)
    {
        public readonly byte* Data = data;
        public readonly int Size = size;
        public int Written;   // published by the appending thread with a release store
        public long CallsIn;  // the appending thread's
        public int Read;      // the reading thread's
        public long CallsOut; // the reading thread's
    }

    /// <summary>An <see cref="IRecordRunSink"/> that appends the runs of records the ring hands it.</summary>
    public readonly struct Filler(RecordBacklog backlog) : IRecordRunSink
    {
        public int Room => backlog.Room;

        public void OnRun(byte* records, int length, int calls) => backlog.Append(records, length, calls);
    }

    /// <summary>What the tail chunk has left, or a fresh chunk's size when it is full.</summary>
    private int Room => _tail is { } tail && tail.Written < tail.Size ? tail.Size - tail.Written : ChunkPool.ChunkSize;

    /// <summary>
    /// Appends LENGTH bytes of whole records in ring layout, CALLS of them calls: at most <see cref="Room"/> of them,
    /// or a single longer record, copied in one piece. The drainer keeps pace with four busy processes on a share
    /// of a core that copying record by record did not.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Append(byte* records, int length, int calls)
    {
        var tail = _tail;
        if (tail is null || tail.Size - tail.Written < length)
        {
            int size = Math.Max(ChunkPool.ChunkSize, length);
            tail = _tail = new Chunk(pool.Rent(size), size);
            lock (_chunks) _chunks.Enqueue(tail);
        }
        Buffer.MemoryCopy(records, tail.Data + tail.Written, length, length);
        Volatile.Write(ref tail.CallsIn, tail.CallsIn + calls);
        Volatile.Write(ref _callsIn, _callsIn + calls);
        Volatile.Write(ref tail.Written, tail.Written + length);
        Volatile.Write(ref _bytesIn, _bytesIn + length);
    }

    /// <summary>Hands the oldest records to SINK, at most MAXRECORDS (the rest of the oldest chunk when negative); returns how many.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Feed<TSink>(ref TSink sink, int maxRecords) where TSink : IRecordSink
    {
        int fed = 0;
        long bytes = 0, calls = 0;
        while (maxRecords < 0 || fed < maxRecords)
        {
            var head = _head;
            if (head is null)
            {
                lock (_chunks) _chunks.TryPeek(out head);
                if (head is null) break;
                _head = head;
            }
            int written = Volatile.Read(ref head.Written);
            if (head.Read == written)
            {
                lock (_chunks)
                {
                    // A newer chunk exists, so the appender is done with this one: what it wrote is all there is.
                    if (_chunks.Count == 1 || head.Read != Volatile.Read(ref head.Written)) break;
                    _chunks.Dequeue();
                }
                _head = null;
                pool.Return(head.Data, head.Size);
                if (maxRecords < 0) break; // the whole chunk was asked for
                continue;
            }
            byte* record = head.Data + head.Read;
            uint header = *(uint*)record;
            byte kind = RingLayout.KindOf(header);
            int length = RingLayout.LengthOf(header);
            head.Read += RingLayout.Align(length);
            bytes += RingLayout.Align(length);
            if (IsCall(kind))
            {
                head.CallsOut++;
                calls++;
            }
            sink.OnRecord(kind, new ReadOnlySpan<byte>(record + 4, length - 4));
            fed++;
        }
        Volatile.Write(ref _callsOut, _callsOut + calls);
        Volatile.Write(ref _bytesOut, _bytesOut + bytes);
        return fed;
    }

    /// <summary>Gives every chunk back; the appending thread no longer touches this backlog.</summary>
    public void Clear()
    {
        lock (_chunks)
            while (_chunks.TryDequeue(out var chunk)) pool.Return(chunk.Data, chunk.Size);
        _tail = _head = null;
        _bytesOut = _bytesIn;
        _callsOut = _callsIn;
    }

    private static bool IsCall(byte kind) => kind is (byte)RecordKind.Call or (byte)RecordKind.Resume;
}

/// <summary>Backlog chunks kept for reuse: fresh memory costs a page fault per 4 KiB.</summary>
internal sealed unsafe class ChunkPool
{
    public const int ChunkSize = 1 << 20;
    private const int Kept = 16;
    private readonly Stack<nint> _spare = new();

    public byte* Rent(int size)
    {
        if (size == ChunkSize)
            lock (_spare)
                if (_spare.TryPop(out nint chunk)) return (byte*)chunk;
        return (byte*)NativeMemory.Alloc((nuint)size);
    }

    public void Return(byte* chunk, int size)
    {
        if (size == ChunkSize)
            lock (_spare)
                if (_spare.Count < Kept) { _spare.Push((nint)chunk); return; }
        NativeMemory.Free(chunk);
    }
}
