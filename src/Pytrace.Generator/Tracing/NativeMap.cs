using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Pytrace.Generator.Tracing;

/// <summary>
/// Pointer-keyed open-addressing map in native memory. Entries are allocated once and never move, so the hot
/// path can hold a T* while the cold path inserts. No managed allocation anywhere.
/// </summary>
internal unsafe struct NativeMap<T> where T : unmanaged
{
    private nint* _keys;
    private T** _values;
    private int _mask;
    private int _count;

    public readonly int Count => _count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly T* Find(nint key)
    {
        if (_keys == null) return null;
        int i = Slot(key, _mask);
        while (true)
        {
            nint k = _keys[i];
            if (k == key) return _values[i];
            if (k == 0) return null;
            i = (i + 1) & _mask;
        }
    }

    /// <summary>Inserts a zeroed entry for a key that is not present.</summary>
    public T* Add(nint key)
    {
        if (_keys == null || (_count + 1) * 2 > _mask + 1) Grow();
        var value = (T*)NativeMemory.AllocZeroed((nuint)sizeof(T));
        Insert(_keys, _values, _mask, key, value);
        _count++;
        return value;
    }

    /// <summary>Removes a key and frees its entry (cold: an object that died). Later entries of its run shift back.</summary>
    public bool Remove(nint key)
    {
        if (_keys == null) return false;
        int i = Slot(key, _mask);
        while (_keys[i] != key)
        {
            if (_keys[i] == 0) return false;
            i = (i + 1) & _mask;
        }
        NativeMemory.Free(_values[i]);
        _count--;
        // Backward-shift deletion: no tombstones, so Find stays one probe run long.
        int hole = i;
        for (int j = (i + 1) & _mask; _keys[j] != 0; j = (j + 1) & _mask)
        {
            int home = Slot(_keys[j], _mask);
            bool movable = hole <= j ? home <= hole || home > j : home <= hole && home > j;
            if (!movable) continue;
            _keys[hole] = _keys[j];
            _values[hole] = _values[j];
            hole = j;
        }
        _keys[hole] = 0;
        _values[hole] = null;
        return true;
    }

    /// <summary>Visits every entry (cold: fork, shutdown).</summary>
    public readonly void ForEach(delegate*<T*, void> visit)
    {
        if (_keys == null) return;
        for (int i = 0; i <= _mask; i++) if (_keys[i] != 0) visit(_values[i]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Slot(nint key, int mask) => (int)(((ulong)key >> 4) * 0x9E3779B97F4A7C15UL >> 40) & mask;

    private static void Insert(nint* keys, T** values, int mask, nint key, T* value)
    {
        int i = Slot(key, mask);
        while (keys[i] != 0) i = (i + 1) & mask;
        keys[i] = key;
        values[i] = value;
    }

    private void Grow()
    {
        int capacity = _keys == null ? 1024 : (_mask + 1) * 2;
        var keys = (nint*)NativeMemory.AllocZeroed((nuint)capacity, (nuint)sizeof(nint));
        var values = (T**)NativeMemory.AllocZeroed((nuint)capacity, (nuint)sizeof(T*));
        if (_keys != null)
        {
            for (int i = 0; i <= _mask; i++)
                if (_keys[i] != 0) Insert(keys, values, capacity - 1, _keys[i], _values[i]);
            NativeMemory.Free(_keys);
            NativeMemory.Free(_values);
        }
        _keys = keys;
        _values = values;
        _mask = capacity - 1;
    }
}
