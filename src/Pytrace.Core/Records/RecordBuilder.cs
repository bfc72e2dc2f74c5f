using System.Runtime.CompilerServices;
using Pytrace.Ring;

namespace Pytrace.Records;

/// <summary>
/// Builds one framed record in a caller-owned native buffer without allocating. Writes past the end are
/// ignored and mark the record as overflowed, so a caller checks <see cref="Overflowed"/> once at the end.
/// </summary>
public unsafe ref struct RecordBuilder
{
    private readonly byte* _start;
    private readonly byte* _end;
    public byte* Cursor;

    public RecordBuilder(byte* buffer, int capacity, RecordKind kind)
    {
        _start = buffer;
        _end = buffer + capacity;
        Cursor = buffer + 4;
        *(uint*)buffer = Frame(kind, 0);
    }

    /// <summary>A record's first word: its kind in the high byte, its length (the word included) in the low three.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Frame(RecordKind kind, int length) => (uint)kind << 24 | (uint)length;

    public readonly bool Overflowed => Cursor > _end;
    public readonly int Length => (int)(Cursor - _start);
    public readonly long Remaining => _end - Cursor;
    public readonly byte* End => _end;

    /// <summary>Writes the final length into the header; returns it.</summary>
    public readonly int Finish()
    {
        int length = Length;
        *(uint*)_start = (*(uint*)_start & 0xFF000000) | (uint)length;
        return length;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void U8(byte v) { if (Cursor + 1 <= _end) *Cursor = v; Cursor += 1; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void U16(ushort v) { if (Cursor + 2 <= _end) *(ushort*)Cursor = v; Cursor += 2; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void U32(uint v) { if (Cursor + 4 <= _end) *(uint*)Cursor = v; Cursor += 4; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void U64(ulong v) { if (Cursor + 8 <= _end) *(ulong*)Cursor = v; Cursor += 8; }

    /// <summary>A string as u16 length + UTF-8 bytes, cut to 65,535 bytes.</summary>
    public void Utf8(byte* bytes, int length)
    {
        if (length > ushort.MaxValue) length = ushort.MaxValue;
        U16((ushort)length);
        if (Cursor + length <= _end) Buffer.MemoryCopy(bytes, Cursor, length, length);
        Cursor += length;
    }

    public void Utf8(ReadOnlySpan<byte> bytes)
    {
        fixed (byte* p = bytes) Utf8(p, bytes.Length);
    }

    /// <summary>Reserves a u16 length slot for a string written piecewise; close it with <see cref="EndString"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte* BeginString() { byte* slot = Cursor; Cursor += 2; return slot; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void EndString(byte* slot)
    {
        if (Cursor <= _end) *(ushort*)slot = (ushort)(Cursor - slot - 2);
    }
}

/// <summary>Fixed-shape records shared by the generator and the tests.</summary>
public static unsafe class RecordWriter
{
    public static int DropRecord(byte* buffer, ulong firstTicks, ulong count)
    {
        var b = new RecordBuilder(buffer, 24, RecordKind.Drop);
        b.U64(firstTicks);
        b.U64(count);
        return b.Finish();
    }
}
