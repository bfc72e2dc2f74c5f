using Pytrace.Interop;
using Pytrace.Records;

namespace Pytrace.Ring;

/// <summary>Consumer side of a ring: hands out each complete record, then releases the space.</summary>
public sealed unsafe class RingReader
{
    private readonly byte* _base;
    private readonly byte* _data;
    private readonly ulong _mask;
    /// <summary>The consumer's pages behind this position are given back: read once, they only make its RSS grow.</summary>
    private ulong _released;
    private const ulong ReleaseStep = 2 << 20;

    public RingReader(byte* mapping)
    {
        _base = mapping;
        _data = mapping + RingLayout.HeaderSize;
        _mask = *(ulong*)(mapping + RingLayout.CapacityOffset) - 1;
        _released = *(ulong*)(mapping + RingLayout.ReadPosOffset) / ReleaseStep * ReleaseStep;
    }

    public int Pid => *(int*)(_base + RingLayout.PidOffset);
    public bool Finished => Volatile.Read(ref *(int*)(_base + RingLayout.StateOffset)) == RingLayout.StateFinished;
    public ulong DroppedRecords => Volatile.Read(ref *(ulong*)(_base + RingLayout.DroppedRecordsOffset));
    public bool IsEmpty =>
        Volatile.Read(ref *(ulong*)(_base + RingLayout.WritePosOffset)) == *(ulong*)(_base + RingLayout.ReadPosOffset);

    public long Capacity => (long)(_mask + 1);

    /// <summary>Bytes published and not yet drained.</summary>
    public long PendingBytes =>
        (long)(Volatile.Read(ref *(ulong*)(_base + RingLayout.WritePosOffset)) - *(ulong*)(_base + RingLayout.ReadPosOffset));

    public void Heartbeat(long monotonicNs) => Volatile.Write(ref *(long*)(_base + RingLayout.ConsumerHeartbeatOffset), monotonicNs);

    /// <summary>Hands <paramref name="sink"/> each record published so far (at most <paramref name="maxBytes"/> of them, whole ones); returns the count.</summary>
    public int Drain<TSink>(ref TSink sink, long maxBytes) where TSink : IRecordSink
    {
        var records = new RecordsOfRuns<TSink>(ref sink);
        DrainRuns(ref records, maxBytes);
        return records.Count;
    }

    /// <summary>Splits each run <see cref="DrainRuns"/> hands out into its records, for a sink that takes them one by one.</summary>
    private ref struct RecordsOfRuns<TSink>(ref TSink sink) : IRecordRunSink where TSink : IRecordSink
    {
        private ref TSink _sink = ref sink;
        public int Count;

        public readonly int Room => int.MaxValue;

        public void OnRun(byte* records, int length, int calls)
        {
            for (int at = 0; at < length; Count++)
            {
                uint header = *(uint*)(records + at);
                int recordLength = RingLayout.LengthOf(header);
                _sink.OnRecord(RingLayout.KindOf(header), new ReadOnlySpan<byte>(records + at + 4, recordLength - 4));
                at += RingLayout.Align(recordLength);
            }
        }
    }

    /// <summary>
    /// Hands <paramref name="sink"/> the records published so far (whole ones, at most <paramref name="maxBytes"/>)
    /// as runs of ring bytes, without copying them one by one: a run is contiguous, holds whole records as the ring
    /// lays them out (header, payload, padding to <see cref="RingLayout.Alignment"/>) and no pad record. Returns the
    /// bytes moved on.
    /// </summary>
    public long DrainRuns<TSink>(ref TSink sink, long maxBytes) where TSink : IRecordRunSink, allows ref struct
    {
        ulong start = *(ulong*)(_base + RingLayout.ReadPosOffset);
        ulong write = Volatile.Read(ref *(ulong*)(_base + RingLayout.WritePosOffset));
        ulong limit = start + (ulong)Math.Min(maxBytes, (long)(write - start));
        ulong capacity = _mask + 1;
        ulong read = start, run = start;
        int calls = 0;
        ulong room = (ulong)sink.Room;
        while (read < limit)
        {
            ulong offset = read & _mask;
            if (offset == 0 && read > run) { Hand(ref sink, run, read, calls, ref room); run = read; calls = 0; } // the end of the ring
            uint header = *(uint*)(_data + offset);
            int length = RingLayout.LengthOf(header);
            byte kind = RingLayout.KindOf(header);
            if (length < 4 || (ulong)length > capacity - offset)
            {
                Hand(ref sink, run, read, calls, ref room); // what came before it is good
                Volatile.Write(ref *(ulong*)(_base + RingLayout.ReadPosOffset), read);
                throw new InvalidDataException($"corrupt ring record at {read}: length {length}");
            }
            if (kind == RingLayout.PadKind)
            {
                Hand(ref sink, run, read, calls, ref room);
                read += (ulong)length;
                run = read;
                calls = 0;
                continue;
            }
            ulong next = read + (ulong)RingLayout.Align(length);
            // MAXBYTES ends inside this record: it waits for the next call, unless it is the first, which may be
            // bigger than any one call's share (64 arguments of 10,000 characters) and must still get out.
            if (next > limit && (read != start || next > write)) break;
            if (next - run > room && read > run) { Hand(ref sink, run, read, calls, ref room); run = read; calls = 0; }
            if (kind is (byte)RecordKind.Call or (byte)RecordKind.Resume) calls++;
            read = next;
        }
        Hand(ref sink, run, read, calls, ref room);
        Volatile.Write(ref *(ulong*)(_base + RingLayout.ReadPosOffset), read);
        Release(read);
        return (long)(read - start);
    }

    private void Hand<TSink>(ref TSink sink, ulong from, ulong to, int calls, ref ulong room) where TSink : IRecordRunSink, allows ref struct
    {
        if (to <= from) return;
        sink.OnRun(_data + (from & _mask), (int)(to - from), calls);
        room = (ulong)sink.Room;
    }

    /// <summary>
    /// Drops the pages the consumer has read past from its own mapping (the producer's stay, and the file keeps the
    /// data): with many processes, the rings would otherwise all count in pytrace's resident memory.
    /// </summary>
    private void Release(ulong read)
    {
        ulong capacity = _mask + 1;
        if (capacity < 2 * ReleaseStep) return;
        while (read - _released >= ReleaseStep)
        {
            Libc.Madvise(_data + (_released & _mask), (nuint)ReleaseStep, Libc.MADV_DONTNEED);
            _released += ReleaseStep;
        }
    }
}

public interface IRecordSink
{
    void OnRecord(byte kind, ReadOnlySpan<byte> payload);
}

/// <summary>Takes runs of whole records in ring layout (<see cref="RingReader.DrainRuns"/>), CALLS of them calls or resumptions.</summary>
public unsafe interface IRecordRunSink
{
    /// <summary>
    /// The longest run it takes next: a run is cut to it, unless one record alone is longer (that record comes
    /// alone). The ring's walk finds the cut, so a sink that stores runs in chunks need not walk them again.
    /// </summary>
    int Room { get; }

    void OnRun(byte* records, int length, int calls);
}
