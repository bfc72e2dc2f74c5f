using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Pytrace.Records;
using Pytrace.Ring;

namespace Pytrace.Dumper;

/// <summary>
/// Records taken out of a process's ring ahead of writing them, so that the ring never fills while SQLite is
/// slower than the program: copying is ~50x faster than writing. It counts the calls it holds, which lets the dumper
/// skip writing the oldest once newer ones fill the --max-traces window.
/// </summary>
internal sealed class RecordBacklog(Stack<byte[]> spareChunks)
{
    private const int ChunkSize = 1 << 20, RecordHeader = 5;
    /// <summary>Emptied chunks kept for reuse: fresh memory costs a page fault per 4 KiB.</summary>
    private const int SpareChunks = 8;

    private readonly Queue<Chunk> _chunks = new();
    private Chunk? _tail;

    public long Bytes { get; private set; }
    public long Calls { get; private set; }
    public bool IsEmpty => Bytes == 0;
    /// <summary>Calls in the oldest chunk not yet handed out: what skimming that chunk would skip.</summary>
    public long OldestChunkCalls => _chunks.TryPeek(out var head) ? head.Calls : 0;

    private sealed class Chunk(byte[] data)
    {
        public readonly byte[] Data = data;
        public int Written, Read;
        public long Calls;
    }

    /// <summary>An <see cref="IRecordSink"/> that appends what the ring hands it.</summary>
    public readonly struct Filler(RecordBacklog backlog) : IRecordSink
    {
        public void OnRecord(byte kind, ReadOnlySpan<byte> payload) => backlog.Append(kind, payload);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Append(byte kind, ReadOnlySpan<byte> payload)
    {
        int length = RecordHeader + payload.Length;
        if (_tail is null || _tail.Data.Length - _tail.Written < length)
        {
            _tail = new Chunk(length <= ChunkSize && spareChunks.TryPop(out var spare) ? spare : new byte[Math.Max(ChunkSize, length)]);
            _chunks.Enqueue(_tail);
        }
        var data = _tail.Data.AsSpan(_tail.Written);
        data[0] = kind;
        BinaryPrimitives.WriteInt32LittleEndian(data[1..], payload.Length);
        payload.CopyTo(data[RecordHeader..]);
        _tail.Written += length;
        Bytes += length;
        if (IsCall(kind))
        {
            _tail.Calls++;
            Calls++;
        }
    }

    /// <summary>Hands the oldest records to SINK, at most MAXRECORDS (whole oldest chunk when negative); returns how many.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Feed<TSink>(ref TSink sink, int maxRecords) where TSink : IRecordSink
    {
        int fed = 0;
        while ((maxRecords < 0 || fed < maxRecords) && _chunks.TryPeek(out var head))
        {
            if (head.Read == head.Written)
            {
                if (head == _tail) break; // still being filled
                Recycle(_chunks.Dequeue());
                if (maxRecords < 0) break; // the whole chunk was asked for
                continue;
            }
            var data = head.Data.AsSpan(head.Read);
            byte kind = data[0];
            int length = BinaryPrimitives.ReadInt32LittleEndian(data[1..]);
            head.Read += RecordHeader + length;
            Bytes -= RecordHeader + length;
            if (IsCall(kind))
            {
                head.Calls--;
                Calls--;
            }
            sink.OnRecord(kind, data.Slice(RecordHeader, length));
            fed++;
        }
        if (_tail is { } tail && tail.Read == tail.Written && _chunks.Count == 1)
        {
            Recycle(_chunks.Dequeue()); // empty: the next record starts a fresh chunk, so memory goes back once drained
            _tail = null;
        }
        return fed;
    }

    /// <summary>Gives every chunk back (the process is done, or its records are discarded).</summary>
    public void Clear()
    {
        while (_chunks.TryDequeue(out var chunk)) Recycle(chunk);
        _tail = null;
        Bytes = 0;
        Calls = 0;
    }

    private void Recycle(Chunk chunk)
    {
        if (chunk.Data.Length == ChunkSize && spareChunks.Count < SpareChunks) spareChunks.Push(chunk.Data);
    }

    private static bool IsCall(byte kind) => kind is (byte)RecordKind.Call or (byte)RecordKind.Resume;
}
