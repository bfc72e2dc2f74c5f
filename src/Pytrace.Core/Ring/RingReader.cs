using Pytrace.Interop;

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

    public void Heartbeat(long monotonicNs) => Volatile.Write(ref *(long*)(_base + RingLayout.ConsumerHeartbeatOffset), monotonicNs);

    /// <summary>Calls <paramref name="onRecord"/> for each record published so far (at most <paramref name="maxBytes"/>); returns the count.</summary>
    public int Drain<TSink>(ref TSink sink, long maxBytes) where TSink : IRecordSink, allows ref struct
    {
        ulong read = *(ulong*)(_base + RingLayout.ReadPosOffset);
        ulong write = Volatile.Read(ref *(ulong*)(_base + RingLayout.WritePosOffset));
        ulong limit = read + (ulong)Math.Min(maxBytes, (long)(write - read));
        int count = 0;
        while (read < limit)
        {
            byte* at = _data + (read & _mask);
            uint header = *(uint*)at;
            int length = RingLayout.LengthOf(header);
            byte kind = RingLayout.KindOf(header);
            if (length < 4) throw new InvalidDataException($"corrupt ring record at {read}: length {length}");
            if (kind == RingLayout.PadKind) { read += (ulong)length; continue; }
            sink.OnRecord(kind, new ReadOnlySpan<byte>(at + 4, length - 4));
            read += (ulong)RingLayout.Align(length);
            count++;
        }
        Volatile.Write(ref *(ulong*)(_base + RingLayout.ReadPosOffset), read);
        Release(read);
        return count;
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
