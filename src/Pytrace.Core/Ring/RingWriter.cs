using System.Runtime.CompilerServices;
using Pytrace.Interop;
using Pytrace.Records;

namespace Pytrace.Ring;

/// <summary>
/// Single-producer side of a ring. Never blocks unless the ring asks for waiting, never allocates:
/// a record is published by one release store of the write position after its bytes are in place,
/// so a producer killed mid-write leaves nothing half-visible.
/// </summary>
public unsafe struct RingWriter
{
    private byte* _base;
    private byte* _data;
    private ulong _capacity;
    private ulong _mask;
    private ulong _write;
    /// <summary>
    /// The consumer's read position as last seen. The consumer moves it all the time: reading it for every record
    /// would fetch its cache line from the other core each time. Free space only grows, so a stale value is safe:
    /// it is read again only when the space it leaves looks too small.
    /// </summary>
    private ulong _read;
    private ulong _pendingDrops;
    private ulong _firstDropTicks;

    public readonly bool IsOpen => _base != null;

    public void Attach(byte* mapping)
    {
        _base = mapping;
        _data = mapping + RingLayout.HeaderSize;
        _capacity = *(ulong*)(mapping + RingLayout.CapacityOffset);
        _mask = _capacity - 1;
        _write = Volatile.Read(ref *(ulong*)(mapping + RingLayout.WritePosOffset));
        _read = Volatile.Read(ref *(ulong*)(mapping + RingLayout.ReadPosOffset));
        _pendingDrops = 0;
    }

    public void Detach() => _base = null;

    /// <summary>Copies one framed record (its first 4 bytes are the header) into the ring, or counts a drop.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryWrite(byte* record, int length, ulong nowTicks)
    {
        if (_pendingDrops != 0 && !FlushDrops()) return Drop(nowTicks);
        return TryCopy(record, length) || Drop(nowTicks);
    }

    /// <summary>
    /// Whether a record of up to <paramref name="bound"/> bytes would fit now (or the ring waits for room): checked
    /// before a record is built, so that a full ring costs a count, not the formatting of values that are dropped.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool HasRoom(int bound)
    {
        // twice the bound: a record that does not fit before the end of the ring also pays the padding up to it
        ulong needed = 2 * (ulong)bound;
        if (Fits(needed)) return true;
        _read = Volatile.Read(ref *(ulong*)(_base + RingLayout.ReadPosOffset));
        return Fits(needed) || *(int*)(_base + RingLayout.WaitWhenFullOffset) != 0;
    }

    /// <summary>
    /// Whether NEEDED bytes are free as far as the last seen read position tells. A position seen long ago can be
    /// more than a ring behind the write position: that says nothing fits (an unsigned free count would wrap).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly bool Fits(ulong needed)
    {
        ulong used = _write - _read;
        return used <= _capacity && needed <= _capacity - used;
    }

    /// <summary>
    /// Where a record of up to <paramref name="bound"/> bytes can be built in place, then published by
    /// <see cref="Publish"/>; null when it cannot be now (drops to report first, the end of the ring near, no room
    /// as last seen), and the record goes through <see cref="TryWrite"/> instead. Nothing may be written into the
    /// ring between the two.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly byte* Reserve(int bound)
    {
        ulong offset = _write & _mask;
        if (_pendingDrops != 0 || _capacity - offset < (ulong)bound || !Fits((ulong)bound)) return null;
        return _data + offset;
    }

    /// <summary>Makes the record built at the place <see cref="Reserve"/> gave visible to the consumer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Publish(int length)
    {
        _write += (ulong)RingLayout.Align(length);
        Volatile.Write(ref *(ulong*)(_base + RingLayout.WritePosOffset), _write);
    }

    /// <summary>Counts a record that was never built (e.g. the hook re-entered too deeply).</summary>
    public void CountDrop(ulong nowTicks) => Drop(nowTicks);

    private bool TryCopy(byte* record, int length)
    {
        ulong total = (ulong)RingLayout.Align(length);
        ulong offset = _write & _mask;
        ulong contiguous = _capacity - offset;
        ulong needed = contiguous < total ? contiguous + total : total;
        if (!Fits(needed))
        {
            _read = Volatile.Read(ref *(ulong*)(_base + RingLayout.ReadPosOffset));
            if (!Fits(needed) && (*(int*)(_base + RingLayout.WaitWhenFullOffset) == 0 || !WaitForSpace(needed))) return false;
        }
        if (contiguous < total)
        {
            *(uint*)(_data + offset) = RingLayout.Header(RingLayout.PadKind, (int)contiguous);
            _write += contiguous;
            offset = 0;
        }
        Copy(record, _data + offset, length);
        Publish(length);
        return true;
    }

    /// <summary>Records are mostly a few dozen bytes: word copies cost less than a call to memmove.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Copy(byte* from, byte* to, int length)
    {
        if (length > 256) { Buffer.MemoryCopy(from, to, length, length); return; }
        int i = 0;
        for (; i + 8 <= length; i += 8) *(ulong*)(to + i) = *(ulong*)(from + i);
        if (i == length) return;
        if (length >= 8) { *(ulong*)(to + length - 8) = *(ulong*)(from + length - 8); return; } // the tail, overlapping
        for (; i < length; i++) to[i] = from[i];
    }

    /// <summary>--on-full wait: spin politely while a consumer is alive (heartbeat within 2 s).</summary>
    private readonly bool WaitForSpace(ulong needed)
    {
        while (true)
        {
            ulong read = Volatile.Read(ref *(ulong*)(_base + RingLayout.ReadPosOffset));
            if (needed <= _capacity - (_write - read)) return true;
            long beat = Volatile.Read(ref *(long*)(_base + RingLayout.ConsumerHeartbeatOffset));
            if (Libc.Now(Libc.CLOCK_MONOTONIC) - beat > 2_000_000_000L) return false;
            Libc.SchedYield();
        }
    }

    private bool Drop(ulong nowTicks)
    {
        if (_pendingDrops == 0) _firstDropTicks = nowTicks;
        _pendingDrops++;
        // one producer per ring (the GIL): a plain store, read by the consumer at its own pace
        ulong* dropped = (ulong*)(_base + RingLayout.DroppedRecordsOffset);
        Volatile.Write(ref *dropped, *dropped + 1);
        return false;
    }

    private bool FlushDrops()
    {
        byte* buffer = stackalloc byte[24];
        int length = RecordWriter.DropRecord(buffer, _firstDropTicks, _pendingDrops);
        if (!TryCopy(buffer, length)) return false;
        _pendingDrops = 0;
        return true;
    }
}
