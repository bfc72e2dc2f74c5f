using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Pytrace.Generator.Interop;
using Pytrace.Generator.Tracing;

namespace Pytrace.Generator.Formatting;

/// <summary>
/// The text last written for a list, tuple or dict whose shown items are plain scalars (exact int, str, float, bool,
/// None), kept by the container's address. Programs pass the same containers over and over, and formatting their
/// items is most of what an argument costs. The text is used again only while the container holds the very same
/// item objects where its text comes from (their pointers compared, for a dict its entries) and has the same size:
/// those objects are immutable and alive, held by the container, so their text cannot have changed. A container
/// freed and another made at its address with the same items has the same text too.
/// </summary>
internal static unsafe class ContainerTexts
{
    private const int Slots = 64;
    /// <summary>Above this value limit the items compared and the text kept would cost more than they save.</summary>
    private const int MaxLimit = 1000;

    [StructLayout(LayoutKind.Sequential)]
    private struct Entry
    {
        public nint Container, Type;
        /// <summary>List or tuple: its size. Dict: its used count.</summary>
        public long Size;
        /// <summary>Dict: its entry array and stride, when the entries were read.</summary>
        public byte* Entries;
        public int Stride;
        public int CompareBytes, TextLength;
        /// <summary>Texts of this address found stale in a row: past a few, only one sighting in 32 is remembered.</summary>
        public int Misses;
    }

    private static byte* s_table;
    private static int s_slotSize, s_compareMax, s_textMax;
    /// <summary>
    /// Items that can show in a text of the limit: an item of a list takes at least 3 characters with its ", ", one
    /// of a dict 6 ("1: 2, "); one more of each for the bracket's sake.
    /// </summary>
    private static int s_listItems, s_dictItems;

    public static bool Enabled => s_table != null;

    /// <summary>Sizes the table for a value limit (or switches it off): every kept text is forgotten.</summary>
    public static void Initialize(int limit, bool fullRepr)
    {
        NativeMemory.Free(s_table);
        s_table = null;
        if (fullRepr || limit > MaxLimit) return; // under --repr full, dicts are read through PyDict_Next only
        s_listItems = limit / 3 + 2;
        s_dictItems = limit / 6 + 2;
        s_compareMax = 2 * Math.Max(s_listItems * 8, s_dictItems * 24); // a dict's region may hold deleted slots too
        s_textMax = 4 * limit + 4;
        s_slotSize = (sizeof(Entry) + s_compareMax + s_textMax + 7) & ~7;
        s_table = (byte*)NativeMemory.AllocZeroed((nuint)(s_slotSize * Slots));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Entry* SlotOf(nint o) => (Entry*)(s_table + (int)((o >> 4) & (Slots - 1)) * s_slotSize);

    private static byte* CompareBuffer(Entry* e) => (byte*)(e + 1);

    private static byte* TextBuffer(Entry* e) => (byte*)(e + 1) + s_compareMax;

    /// <summary>Copies the kept text of <paramref name="o"/> to <paramref name="destination"/> when it is still its text; its length, or -1.</summary>
    public static int TryCopy(nint o, TypeKind kind, byte* destination)
    {
        Entry* e = SlotOf(o);
        if (e->Container != o || e->Type != Py.TypeOf(o) || e->TextLength == 0) return -1;
        byte* current;
        if (kind == TypeKind.Dict)
        {
            if (!HashTables.DictSlots(o, out var slots) || slots.First != e->Entries || slots.Stride != e->Stride
                || UsedOf(o) != e->Size || slots.Count * slots.Stride < e->CompareBytes) return Stale(e);
            current = slots.First;
        }
        else
        {
            if (Py.VarSize(o) != e->Size) return Stale(e);
            current = (byte*)Items(o, kind);
        }
        if (!new ReadOnlySpan<byte>(current, e->CompareBytes).SequenceEqual(new ReadOnlySpan<byte>(CompareBuffer(e), e->CompareBytes)))
            return Stale(e);
        e->Misses = 0;
        Buffer.MemoryCopy(TextBuffer(e), destination, e->TextLength, e->TextLength);
        return e->TextLength;
    }

    private static int Stale(Entry* e)
    {
        e->Misses++;
        return -1;
    }

    /// <summary>Keeps <paramref name="text"/> as the text of <paramref name="o"/> when every item it can show is a plain scalar.</summary>
    public static void Remember(nint o, TypeKind kind, byte* text, int length)
    {
        Entry* e = SlotOf(o);
        int misses = e->Container == o ? e->Misses : 0;
        if (misses > 4 && (misses & 31) != 0) return;
        if (length <= 0 || length > s_textMax) return;
        byte* region;
        int bytes;
        long size;
        if (kind == TypeKind.Dict)
        {
            if (!HashTables.DictSlots(o, out var slots) || !PlainEntries(slots, out long end)) return;
            region = slots.First;
            bytes = (int)(end * slots.Stride);
            size = UsedOf(o);
            e->Entries = slots.First;
            e->Stride = slots.Stride;
        }
        else
        {
            size = Py.VarSize(o);
            long n = Math.Min(size, s_listItems);
            nint* items = Items(o, kind);
            for (long i = 0; i < n; i++) if (!Plain(items[i])) return;
            region = (byte*)items;
            bytes = (int)(n * 8);
        }
        if (bytes > s_compareMax) return;
        e->Container = o;
        e->Type = Py.TypeOf(o);
        e->Size = size;
        e->CompareBytes = bytes;
        e->TextLength = length;
        e->Misses = misses;
        Buffer.MemoryCopy(region, CompareBuffer(e), bytes, bytes);
        Buffer.MemoryCopy(text, TextBuffer(e), length, length);
    }

    /// <summary>Whether the live entries a text can show are plain; <paramref name="end"/> is the slot after the last of them.</summary>
    private static bool PlainEntries(HashTables.Slots slots, out long end)
    {
        int live = 0;
        long i = 0;
        long slotsKept = Math.Min(slots.Count, s_compareMax / slots.Stride); // a table emptied by deletions is not walked
        for (; i < slotsKept && live < s_dictItems; i++)
        {
            if (!slots.IsLive(i)) continue;
            if (!Plain(slots.Key(i)) || !Plain(slots.Value(i))) { end = 0; return false; }
            live++;
        }
        end = i;
        return live == s_dictItems || i == slots.Count;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Plain(nint x)
    {
        nint type = Py.TypeOf(x);
        return type == Py.LongType || type == Py.UnicodeType || type == Py.FloatType || x == Py.None || type == Py.BoolType;
    }

    private static nint* Items(nint o, TypeKind kind) => kind == TypeKind.List ? *(nint**)(o + 24) : (nint*)(o + 24);

    private static long UsedOf(nint dict) => *(long*)(dict + 16);
}
